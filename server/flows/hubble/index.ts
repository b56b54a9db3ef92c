/**
 * The Hubble flow decoder: one `HubbleDecoder` per ingest state (decoder.ts), reading compact lines
 * from their bytes (compact.ts, members.ts, bytes.ts) and anything else through JSON.parse
 * (fields.ts); records.ts gives both the same meaning.
 */
import type { FlowRecord } from '../../../generator/model/flow.ts';
import type { FlowParseState } from '../state.ts';
import { HubbleDecoder } from './decoder.ts';

export { HubbleDecoder, hubbleRecordsFrom, isHubbleObject, readsInPlace } from './decoder.ts';
export { connectionKey, guessReply, reverseConnectionKey } from './records.ts';
export { ENDPOINT_CACHE_MAX, RUN_CACHE_MAX } from './compact.ts';

/** The state's Hubble decoder, made on first use. */
export function hubbleDecoderOf(state: FlowParseState): HubbleDecoder {
  return (state.hubble ??= new HubbleDecoder(state));
}

/** Parses one Hubble line into `out` with the state's decoder. */
export function parseHubbleLine(line: string, state: FlowParseState, out: FlowRecord[]): void {
  hubbleDecoderOf(state).parseLine(line, out);
}
