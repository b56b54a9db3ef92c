/**
 * The controls: level, mode tabs, filters, search and the keyboard. Each input writes into the
 * view state; `sync` sets every control from it (after a URL restore or a change elsewhere).
 */
import { EMPTY_FILTERS, type Filters } from '../state/filters.ts';
import { searchNodes } from '../state/search.ts';
import type { ViewMode } from '../state/url-state.ts';
import type { L4Protocol, Level, Verdict } from '../types.ts';
import { append, byId, clear, h } from '../ui/dom.ts';
import type { MapController } from './map.ts';
import type { PanelController } from './panels.ts';
import type { Actions, AppState } from './state.ts';

const SHOWN_VERDICTS: readonly Verdict[] = ['FORWARDED', 'DROPPED', 'AUDIT'];

export class ControlsController {
  constructor(private readonly state: AppState, private readonly app: Actions, private readonly maps: MapController, private readonly panel: PanelController) {
    this.bind();
  }

  private setFilters(patch: Partial<Filters>): void {
    this.app.setView({ filters: { ...this.state.view.filters, ...patch } });
  }

  /** The cluster and verdict checkboxes, from the data's clusters. */
  fillChoices(): void {
    const { state } = this;
    const clusters = [...new Set(state.data.raw.nodes.map((n) => n.cluster).filter((c): c is string => !!c))].sort();
    const box = byId('f-clusters');
    clear(box);
    for (const c of clusters) {
      const input = h('input', { type: 'checkbox', value: c, 'data-cluster': c });
      input.addEventListener('change', () => this.setFilters({ clusters: toggled(state.view.filters.clusters, c, (input as HTMLInputElement).checked) }));
      append(box, h('label', {}, input, ` ${c}`));
    }
    const vbox = byId('f-verdicts');
    clear(vbox);
    for (const v of SHOWN_VERDICTS) {
      const input = h('input', { type: 'checkbox', value: v, 'data-verdict': v });
      input.addEventListener('change', () => this.setFilters({ verdicts: toggled(state.view.filters.verdicts, v, (input as HTMLInputElement).checked) }));
      append(vbox, h('label', {}, input, ` ${v.toLowerCase()}`));
    }
    this.sync();
  }

  /** Controls reflect the view state. */
  sync(): void {
    const { view } = this.state;
    const f = view.filters;
    byId<HTMLSelectElement>('level').value = view.level;
    for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.mode === view.mode));
    for (const i of byId('f-clusters').querySelectorAll<HTMLInputElement>('input')) i.checked = f.clusters.includes(i.value);
    for (const i of byId('f-verdicts').querySelectorAll<HTMLInputElement>('input')) i.checked = f.verdicts.includes(i.value as Verdict);
    const ns = byId<HTMLInputElement>('f-namespaces');
    if (document.activeElement !== ns) ns.value = f.namespaces.join(', ');
    byId<HTMLSelectElement>('f-protocol').value = f.protocol ?? '';
    const port = byId<HTMLInputElement>('f-port');
    if (document.activeElement !== port) port.value = f.port !== undefined ? String(f.port) : '';
    byId<HTMLInputElement>('f-infra').checked = f.hideInfra;
    // absolute from/to, in local time, whatever set them (a preset, the inputs, a shared URL)
    const from = byId<HTMLInputElement>('f-from');
    if (document.activeElement !== from) from.value = f.since !== undefined ? toLocalInput(f.since) : '';
    const to = byId<HTMLInputElement>('f-to');
    if (document.activeElement !== to) to.value = f.until !== undefined ? toLocalInput(f.until) : '';
    byId<HTMLInputElement>('f-inter').checked = f.interClusterOnly === true;
    // the table lies over the map, which keeps its size (sigma needs a sized container)
    byId('table-view').hidden = view.mode !== 'table';
  }

  private bind(): void {
    const { state, app } = this;
    const map = this.maps.map;
    byId<HTMLSelectElement>('level').addEventListener('change', (e) => {
      app.setView({ level: (e.target as HTMLSelectElement).value as Level, collapsed: [], selection: undefined, camera: undefined }, false);
      map.select(undefined);
      this.panel.hide();
      // the new level is framed once placed (at once when its positions are kept)
      state.ui.cameraTouched = false;
      state.ui.autoFold = true;
      void app.load().then(() => map.fitToNodes(false));
    });
    for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.addEventListener('click', () => void app.setMode(b.dataset.mode as ViewMode));
    byId<HTMLInputElement>('f-namespaces').addEventListener('change', (e) => {
      this.setFilters({ namespaces: (e.target as HTMLInputElement).value.split(',').map((s) => s.trim()).filter(Boolean) });
    });
    byId<HTMLSelectElement>('f-protocol').addEventListener('change', (e) => {
      const v = (e.target as HTMLSelectElement).value;
      this.setFilters({ protocol: v ? (v as L4Protocol) : undefined });
    });
    byId<HTMLInputElement>('f-port').addEventListener('change', (e) => {
      const n = Number((e.target as HTMLInputElement).value);
      this.setFilters({ port: Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined });
    });
    byId<HTMLSelectElement>('f-window').addEventListener('change', (e) => {
      const span = Number((e.target as HTMLSelectElement).value);
      // relative to the newest flow, so recorded demos and dumps work as well as live data
      const newest = state.data.raw.edges.reduce((m, x) => Math.max(m, x.lastSeen), 0);
      this.setFilters({ since: span ? newest - span : undefined, until: undefined });
    });
    byId<HTMLInputElement>('f-infra').addEventListener('change', (e) => this.setFilters({ hideInfra: (e.target as HTMLInputElement).checked }));
    byId<HTMLInputElement>('f-inter').addEventListener('change', (e) => this.setFilters({ interClusterOnly: (e.target as HTMLInputElement).checked || undefined }));
    byId<HTMLInputElement>('f-hulls').addEventListener('change', (e) => { map.showHulls = (e.target as HTMLInputElement).checked; map.sigma.refresh(); });
    for (const [id, bound] of [['f-from', 'since'], ['f-to', 'until']] as const) {
      byId<HTMLInputElement>(id).addEventListener('change', (e) => {
        const value = (e.target as HTMLInputElement).value;
        const ms = value ? new Date(value).getTime() : Number.NaN;
        byId<HTMLSelectElement>('f-window').value = '';
        this.setFilters({ [bound]: Number.isFinite(ms) ? ms : undefined });
      });
    }
    byId('f-reset').addEventListener('click', () => { byId<HTMLSelectElement>('f-window').value = ''; app.setView({ filters: EMPTY_FILTERS, collapsed: [], diffOnly: undefined }); });
    this.bindSearch();
    document.addEventListener('keydown', (e) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
      if (e.key === '/' && !typing) { e.preventDefault(); byId('search').focus(); }
      else if (e.key === 'Escape' && !typing) app.select(undefined);
      else if ((e.key === '+' || e.key === '=') && !typing) map.zoom(1.5);
      else if (e.key === '-' && !typing) map.zoom(1 / 1.5);
    });
  }

  // ------------------------------------------------------------------ search

  private bindSearch(): void {
    const search = this.state.ui.search;
    const input = byId<HTMLInputElement>('search');
    input.addEventListener('input', () => { search.text = input.value; this.runSearch(); });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        if (!search.hits.length) return;
        search.index = (search.index + (e.key === 'ArrowDown' ? 1 : -1) + search.hits.length) % search.hits.length;
        this.renderSearch();
      } else if (e.key === 'Enter') {
        e.preventDefault();
        if (!search.hits.length) this.runSearch();
        this.pickSearch(Math.max(0, search.index));
      } else if (e.key === 'Escape') {
        search.hits = [];
        this.renderSearch();
      }
    });
    input.addEventListener('blur', () => { search.hits = []; this.renderSearch(); });
  }

  private runSearch(): void {
    const { data, ui } = this.state;
    // folded workloads are found too (picking one opens its group)
    const pool = data.shown.nodes.length === data.raw.nodes.length ? data.shown.nodes : [...data.shown.nodes.filter((n) => n.kind === 'group'), ...data.raw.nodes];
    ui.search.hits = searchNodes(pool, ui.search.text, 12);
    ui.search.index = ui.search.hits.length ? 0 : -1;
    this.renderSearch();
  }

  private renderSearch(): void {
    const { hits, index } = this.state.ui.search;
    const list = byId('search-list');
    clear(list);
    list.hidden = hits.length === 0;
    byId('search-box').setAttribute('aria-expanded', String(!list.hidden));
    hits.forEach((hit, i) => {
      append(list, h('li', {
        role: 'option', id: `search-opt-${i}`, 'aria-selected': String(i === index), 'data-key': hit.key,
        onmousedown: (e: Event) => { e.preventDefault(); this.pickSearch(i); },
      }, h('span', {}, hit.label), h('small', {}, hit.context)));
    });
    const input = byId('search');
    if (index >= 0) input.setAttribute('aria-activedescendant', `search-opt-${index}`);
    else input.removeAttribute('aria-activedescendant');
  }

  private pickSearch(i: number): void {
    const search = this.state.ui.search;
    const hit = search.hits[i];
    if (!hit) return;
    search.text = hit.label;
    byId<HTMLInputElement>('search').value = hit.label;
    search.hits = [];
    this.renderSearch();
    if (this.state.view.mode === 'table') void this.app.setMode('map');
    this.app.select(hit.key, true);
  }
}

/** ms since epoch as a `datetime-local` value (local time, to the second). */
function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `list` with `item` in (on) or out (off), in list order: a checkbox changes the view state, never read back from the DOM. */
function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  const rest = list.filter((x) => x !== item);
  return on ? [...rest, item] : rest;
}
