export * from './state.ts';
export * from './dedup.ts';
export * from './time.ts';
export { parseHubbleLine, hubbleRecordsFrom, isHubbleObject, connectionKey, guessReply, HubbleDecoder, hubbleDecoderOf } from './hubble/index.ts';
export { gadgetRecordsFrom, isGadgetObject } from './inspektor-gadget.ts';
export { genericRecordFrom, parseGenericCsvLine, parseEndpointSpec, isGenericObject, GENERIC_COLUMNS } from './generic.ts';
export {
  readFlows,
  collectFlows,
  parseFlowLine,
  parseFlowObject,
  listFlowFiles,
  MAX_LINE_BYTES,
  detectLineFormat,
  detectObjectFormat,
  type FlowReader,
  type ReadFlowsOptions,
  type ProgressInfo,
} from './read.ts';
