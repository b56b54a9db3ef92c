import { fileURLToPath } from 'node:url';
import { createFlowParseState, parseFlowLine, type FlowParseOptions } from '../../../server/flows/index.ts';
import type { FlowRecord } from '../../../generator/model/flow.ts';

/** A file of the shared third-party data set (../shared/data relative to the project root). */
export const sharedData = (rel: string): string => fileURLToPath(new URL(`../../../../shared/data/${rel}`, import.meta.url));

/**
 * The receiving clock of reader tests: after every capture's time (a flow more than 24 h ahead of
 * the receiving clock is rejected), and the time of records whose source carries none.
 */
export const TEST_NOW = Date.UTC(2030, 0, 1);

/** Parses lines with one state, as follow mode would. */
export function parseLines(lines: readonly string[], options: FlowParseOptions = {}) {
  const state = createFlowParseState({ file: 'test.jsonl', now: () => TEST_NOW, ...options });
  const records: FlowRecord[] = [];
  for (const line of lines) parseFlowLine(line, state, records);
  return { records, stats: state.stats, state };
}

/** A short readable name of an endpoint: ns/pod, reserved:x, svc:ns/name or the IP. */
export function endpointName(e: FlowRecord['source']): string {
  if (e.podName) return `${e.namespace}/${e.podName}`;
  if (e.reserved) return `reserved:${e.reserved}`;
  if (e.service) return `svc:${e.service.namespace}/${e.service.name}`;
  return e.ip ?? '?';
}

export function edgeOf(r: FlowRecord): string {
  return `${endpointName(r.source)} -> ${endpointName(r.destination)} ${r.protocol}/${r.port ?? '-'}`;
}
