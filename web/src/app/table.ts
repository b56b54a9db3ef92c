/** The Table controller: every shown edge, sortable by any column and filtered by words; a row opens its edge's panel. */
import { EDGE_COLUMNS, edgeRows, filterRows, sortRows } from '../state/table.ts';
import { append, byId, clear, formatTime, h } from '../ui/dom.ts';
import type { PanelController } from './panels.ts';
import type { AppState } from './state.ts';

/** Rows drawn at most (the count says how many match). */
const TABLE_LIMIT = 500;

export class TableController {
  constructor(private readonly state: AppState, private readonly panel: PanelController) {
    byId<HTMLInputElement>('table-filter').addEventListener('input', (e) => {
      state.ui.table.filter = (e.target as HTMLInputElement).value;
      this.render();
    });
  }

  render(): void {
    const { ui, data } = this.state;
    const sort = ui.table;
    const head = byId('table-head');
    clear(head);
    for (const col of EDGE_COLUMNS) {
      const active = sort.column === col;
      append(head, h('th', { 'aria-sort': active ? (sort.desc ? 'descending' : 'ascending') : 'none' },
        h('button', { type: 'button', onclick: () => { ui.table = { ...ui.table, column: col, desc: active ? !sort.desc : col === 'count' || col === 'lastSeen' }; this.render(); } },
          col + (active ? (sort.desc ? ' ▼' : ' ▲') : ''))));
    }
    const rows = sortRows(filterRows(edgeRows(data.shown.edges, data.nodesByKey), sort.filter), sort.column, sort.desc);
    const body = byId('table-body');
    clear(body);
    for (const r of rows.slice(0, TABLE_LIMIT)) {
      const open = (): void => { const e = data.shown.edges.find((x) => x.key === r.key); if (e) this.panel.edge(`${e.source}=>${e.target}`, [e.key]); };
      append(body, h('tr', { class: 'row', tabindex: '0', 'data-edge': r.key, onclick: open, onkeydown: (ev: Event) => { if ((ev as KeyboardEvent).key === 'Enter') open(); } },
        h('td', {}, r.source), h('td', {}, r.target), h('td', {}, r.port), h('td', {}, String(r.count)),
        h('td', {}, h('span', { class: `verdict ${r.verdict}` }, r.verdict)), h('td', {}, r.diff), h('td', {}, formatTime(r.lastSeen))));
    }
    byId('table-count').textContent = rows.length > TABLE_LIMIT ? `showing ${TABLE_LIMIT} of ${rows.length} edges: refine the filter` : `${rows.length} edges`;
  }
}
