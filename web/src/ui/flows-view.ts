/**
 * The connections behind an edge (GET /api/v1/flows) as a paged, filterable table in the edge
 * panel: one row per connection, newest first. The paging and filter
 * state is state/flow-table.ts; this module only draws it and asks for pages.
 */
import { api, ApiRequestError } from '../api.ts';
import type { EdgeDetailResponse, FlowsResponse } from '../../../server/http/api-types.ts';
import {
  cappedNote, FLOW_COLUMNS, FLOW_VERDICTS, flowCells, flowsQuery, hasNextPage, initialFlowTable, nextPage, pageSummary, previousPage,
  withFilter, type FlowTableState,
} from '../state/flow-table.ts';
import type { Verdict } from '../types.ts';
import { append, clear, formatTime, h } from './dom.ts';

/** What the reports column counts (server/store/connections.ts FlowRow.reports). */
const REPORTS_TITLE = 'records of this connection: 1, plus each later correction of its verdict or separate report by another source (repeated flow events are folded before they are counted)';

/**
 * A section that fetches and draws the first page of `edgeKey`'s connections, then follows the
 * user's paging and filters. `fallback`: what to show under the error when the server keeps no
 * connections (a server without a store, 409; one without the route, 404/501): the edge's samples.
 */
export function flowsSection(edgeKey: string, span: { from?: number; to?: number } = {}, fallback?: () => HTMLElement | undefined): HTMLElement {
  let state: FlowTableState = initialFlowTable(edgeKey, span);
  let answer: FlowsResponse | undefined;
  let asked = 0;
  const box = h('section', { class: 'flows-box', 'data-flows-edge': edgeKey });
  const verdict = h('select', { 'aria-label': 'Verdict of the connections' },
    h('option', { value: '' }, 'every verdict'), ...FLOW_VERDICTS.map((v) => h('option', { value: v }, v.toLowerCase())));
  const text = h('input', { type: 'search', placeholder: 'pod, namespace, address or port', 'aria-label': 'Filter the connections' });
  const summary = h('span', { class: 'muted flows-summary', 'aria-live': 'polite' }, 'Loading…');
  const prev = h('button', { type: 'button', 'data-flows': 'previous', disabled: true }, '‹ Newer');
  const next = h('button', { type: 'button', 'data-flows': 'next', disabled: true }, 'Older ›');
  const note = h('p', { class: 'muted flows-capped', hidden: true });
  const table = h('div', { class: 'flows-scroll' });
  append(box, h('h3', {}, 'Connections'), h('div', { class: 'flows-tools' }, verdict, text), note, table, h('div', { class: 'row-actions flows-pager' }, prev, summary, next));

  const load = async (): Promise<void> => {
    const mine = ++asked;
    summary.textContent = 'Loading…';
    prev.disabled = true;
    next.disabled = true;
    try {
      const got = await api.flows(flowsQuery(state));
      if (mine !== asked) return;
      answer = got;
      draw(got);
    } catch (err) {
      if (mine !== asked) return;
      answer = undefined;
      clear(table);
      summary.textContent = '';
      prev.disabled = state.page === 0; // a failed page can still go back
      const message = err instanceof Error ? err.message : String(err);
      const unavailable = err instanceof ApiRequestError && [404, 409, 501].includes(err.status) && state.page === 0 && !state.verdict && !state.q.trim();
      const shown = unavailable ? fallback?.() : undefined;
      append(table, h('p', { class: shown ? 'muted' : 'error' }, `The connections could not be loaded: ${message}`), shown);
    }
  };
  const draw = (got: FlowsResponse): void => {
    clear(table);
    const rows = got.rows.map((r) => {
      const cells = flowCells(r, formatTime);
      return h('tr', { class: `verdict-${r.verdict.toLowerCase()}` }, ...FLOW_COLUMNS.map(([col]) =>
        h('td', { class: col === 'reports' ? 'num' : col, title: col === 'time' ? `first seen ${cells.time}, last seen ${cells.lastSeen}` : col === 'source' ? cells.sourceTitle : col === 'destination' ? cells.destinationTitle : undefined }, cells[col])));
    });
    if (rows.length) {
      append(table, h('table', { class: 'flows', 'data-testid': 'flows-table' },
        h('thead', {}, h('tr', {}, ...FLOW_COLUMNS.map(([col, title]) => h('th', col === 'reports' ? { title: REPORTS_TITLE } : {}, title)))), h('tbody', {}, ...rows)));
    }
    const capped = cappedNote(got);
    note.hidden = capped === undefined;
    note.textContent = capped ?? '';
    summary.textContent = pageSummary(state, got);
    prev.disabled = state.page === 0;
    next.disabled = !hasNextPage(got);
  };

  verdict.addEventListener('change', () => { state = withFilter(state, { verdict: (verdict.value || undefined) as Verdict | undefined }); void load(); });
  let typing: ReturnType<typeof setTimeout> | undefined;
  text.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => { state = withFilter(state, { q: text.value }); void load(); }, 250);
  });
  prev.addEventListener('click', () => { state = previousPage(state); void load(); });
  next.addEventListener('click', () => { if (answer) { state = nextPage(state, answer); void load(); } });
  void load();
  return box;
}

/** The server's most recent sample flows of an edge (shown where the server keeps no connections table). */
export function samplesTable(d: EdgeDetailResponse): HTMLElement | undefined {
  if (!d.samples.length) return undefined;
  const rows = d.samples.slice(0, 25).map((s) => h('tr', {},
    h('td', {}, formatTime(s.time)), h('td', {}, s.verdict),
    h('td', {}, `${s.sourcePod ?? s.sourceIp ?? ''}${s.sourcePort ? `:${s.sourcePort}` : ''}`),
    h('td', {}, `${s.destinationPod ?? s.destinationIp ?? ''}${s.port ? `:${s.port}` : ''}`),
    h('td', {}, s.dropReason ?? s.l7 ?? '')));
  return h('table', { class: 'flows' }, h('thead', {}, h('tr', {}, h('th', {}, 'time'), h('th', {}, 'verdict'), h('th', {}, 'from'), h('th', {}, 'to'), h('th', {}, 'detail'))), h('tbody', {}, ...rows));
}
