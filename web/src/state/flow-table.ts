/**
 * The connections behind one edge (GET /api/v1/flows), as a paged, filterable table: the query
 * a page is asked with, the cursors that lead back to earlier pages, and each row's cells in
 * words. Pure: the panel (ui/flows-view.ts) holds one `FlowTableState` and draws from it.
 */
import type { FlowEnd, FlowRow, FlowsResponse } from '../../../server/http/api-types.ts';
import type { Verdict } from '../types.ts';

/** Rows asked per page. */
export const FLOW_PAGE_SIZE = 50;

/** The verdicts the table's filter offers ('' = every verdict). */
export const FLOW_VERDICTS: readonly Verdict[] = ['FORWARDED', 'DROPPED', 'AUDIT', 'ERROR'];

export interface FlowTableState {
  readonly edge: string;
  readonly verdict?: Verdict;
  /** Pod, namespace, address or port text (the server matches it). */
  readonly q: string;
  /**
   * cursors[i] is the cursor that asks for page i (cursors[0] is undefined: the first page).
   * The server's cursors only go forward; previous pages are asked again with the cursor kept.
   */
  readonly cursors: readonly (string | undefined)[];
  readonly page: number;
  readonly limit: number;
  /** Time window of the view, forwarded as from/to. */
  readonly from?: number;
  readonly to?: number;
}

export function initialFlowTable(edge: string, span: { from?: number; to?: number } = {}): FlowTableState {
  return { edge, q: '', cursors: [undefined], page: 0, limit: FLOW_PAGE_SIZE, ...span };
}

/** The query string of GET /flows for the state's current page. */
export function flowsQuery(s: FlowTableState): string {
  const p = new URLSearchParams({ edge: s.edge, limit: String(s.limit) });
  if (s.from !== undefined) p.set('from', String(s.from));
  if (s.to !== undefined) p.set('to', String(s.to));
  if (s.verdict) p.set('verdict', s.verdict);
  const q = s.q.trim();
  if (q) p.set('q', q);
  const cursor = s.cursors[s.page];
  if (cursor !== undefined) p.set('cursor', cursor);
  return p.toString();
}

/** A filter change starts again at the first page (the cursors belong to the old query). */
export function withFilter(s: FlowTableState, patch: { verdict?: Verdict | undefined; q?: string }): FlowTableState {
  const next: FlowTableState = { ...s, ...patch, cursors: [undefined], page: 0 };
  return 'verdict' in patch && patch.verdict === undefined ? withoutVerdict(next) : next;
}

function withoutVerdict(s: FlowTableState): FlowTableState {
  const { verdict: _drop, ...rest } = s;
  return rest;
}

/** Whether the page just answered has one after it (the server leaves the cursor out on the last page). */
export function hasNextPage(answer: FlowsResponse): boolean {
  return answer.nextCursor !== undefined && answer.rows.length > 0;
}

/** The next page, with the answer's cursor kept so that Previous can come back; unchanged on the last page. */
export function nextPage(s: FlowTableState, answer: FlowsResponse): FlowTableState {
  const cursor = hasNextPage(answer) ? answer.nextCursor : undefined;
  if (cursor === undefined) return s;
  const cursors = [...s.cursors.slice(0, s.page + 1), cursor];
  return { ...s, cursors, page: s.page + 1 };
}

export function previousPage(s: FlowTableState): FlowTableState {
  return s.page === 0 ? s : { ...s, page: s.page - 1 };
}

/** "51-100 of 240" (rows shown on this page, over the total of the query); "at least" when the store capped. */
export function pageSummary(s: FlowTableState, answer: FlowsResponse): string {
  if (answer.rows.length === 0) return answer.total === 0 ? 'no connections match' : `no rows on this page of ${answer.total.toLocaleString('en')}`;
  const first = s.page * s.limit + 1;
  const last = first + answer.rows.length - 1;
  const total = `${answer.kept.capped ? 'at least ' : ''}${answer.total.toLocaleString('en')}`;
  return `${first.toLocaleString('en')}-${last.toLocaleString('en')} of ${total} connection${answer.total === 1 ? '' : 's'}`;
}

/** The store's cap, said when it cut rows: the table then is not every connection. */
export function cappedNote(answer: FlowsResponse): string | undefined {
  if (!answer.kept.capped) return undefined;
  return `The store keeps at most ${answer.kept.perEdgeMinute.toLocaleString('en')} connections per edge and minute; some minute in this range reached it, so the counts are a lower bound.`;
}

/** One end, short (the panel's title names both workloads): the pod, else the address, and the port. */
export function endLabel(end: FlowEnd): string {
  const who = end.pod ?? end.ip ?? '?';
  return end.port !== undefined ? `${who}:${end.port}` : who;
}

/** One end in full (the cell's tooltip): cluster/namespace/pod, and the address. */
export function endTitle(end: FlowEnd): string {
  const where = [end.cluster, end.namespace, end.pod].filter((x) => x !== undefined).join('/');
  if (!where) return end.ip ?? 'unknown end';
  return end.ip !== undefined ? `${where} (${end.ip})` : where;
}

export interface FlowCells {
  /** First seen: the order the server pages in (newest first). */
  readonly time: string;
  readonly lastSeen: string;
  readonly source: string;
  readonly sourceTitle: string;
  readonly destination: string;
  readonly destinationTitle: string;
  readonly protocol: string;
  readonly observationPoint: string;
  readonly verdict: string;
  readonly dropReason: string;
  readonly policy: string;
  readonly reports: string;
}

/** The columns the table draws, in order, with their headings. */
export const FLOW_COLUMNS: readonly (readonly [Exclude<keyof FlowCells, 'lastSeen' | 'sourceTitle' | 'destinationTitle'>, string])[] = [
  ['time', 'time'], ['source', 'from'], ['destination', 'to'], ['protocol', 'proto'], ['observationPoint', 'observed at'],
  ['verdict', 'verdict'], ['dropReason', 'drop reason'], ['policy', 'policy'], ['reports', 'reports'],
];

export function flowCells(row: FlowRow, formatTime: (ms: number) => string): FlowCells {
  return {
    time: formatTime(row.firstSeen),
    lastSeen: formatTime(row.lastSeen),
    source: endLabel(row.source),
    sourceTitle: endTitle(row.source),
    destination: endLabel(row.destination),
    destinationTitle: endTitle(row.destination),
    protocol: row.protocol,
    observationPoint: row.observationPoint ?? '—',
    verdict: row.verdict.toLowerCase(),
    dropReason: row.dropReason ?? '',
    policy: row.policy ?? '',
    reports: row.reports.toLocaleString('en'),
  };
}
