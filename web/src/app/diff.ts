/** The Diff controller: GET /diff loaded on demand, and the diff bar (counts from the API's summary, chips that filter, the would-break list). */
import { api } from '../api.ts';
import { applyDiff, diffCategoryOf, parseEdgeKey } from '../state/graph-data.ts';
import { DIFF_COLORS } from '../state/style.ts';
import { DIFF_CATEGORIES } from '../types.ts';
import { append, byId, clear, h } from '../ui/dom.ts';
import type { Actions, AppState } from './state.ts';

export class DiffController {
  constructor(private readonly state: AppState, private readonly app: Actions) {}

  /** `loud`: a failure is the view's news (Diff mode); the table merely lacks its diff column. */
  async load(loud = true): Promise<void> {
    const data = this.state.data;
    try {
      data.diff = await api.diff();
      data.diffSummary = applyDiff(data.raw, data.diff).summary;
      data.diffError = undefined;
    } catch (err) {
      data.diff = undefined;
      data.diffSummary = {};
      data.diffError = err instanceof Error ? err.message : String(err);
      if (loud) this.app.status(`Diff not available: ${data.diffError}`);
    }
  }

  render(): void {
    const { view, data } = this.state;
    const bar = byId('diff-bar');
    bar.hidden = view.mode !== 'diff';
    if (bar.hidden) return;
    clear(bar);
    append(bar, h('strong', {}, 'Intended vs observed'));
    if (data.diffError !== undefined || !data.diff) {
      append(bar, h('span', { class: 'error', role: 'alert' }, `The diff could not be computed: ${data.diffError ?? 'no answer'}`),
        h('button', { type: 'button', onclick: () => void this.load().then(() => this.app.render(true)) }, 'Retry'));
      return;
    }
    const summary = data.diff.summary;
    for (const cat of DIFF_CATEGORIES) {
      const n = data.diffSummary[cat] ?? 0;
      const on = view.diffOnly === cat;
      const label = cat === 'unobserved' ? 'allowed, never seen' : cat === 'allowed' ? 'allowed, seen' : cat;
      const detail = cat === 'unobserved' && typeof summary.unusedPorts === 'number' ? ` pairs (${summary.unusedPorts.toLocaleString('en')} ports)` : '';
      append(bar, h('button', {
        type: 'button', class: 'chip', 'data-diff': cat, 'aria-pressed': String(on), title: on ? 'Show every category' : `Show only: ${label}`,
        onclick: () => this.app.setView({ diffOnly: on ? undefined : cat }),
      }, h('span', { class: `swatch${cat === 'unobserved' ? ' dashed' : ''}`, style: `background:${DIFF_COLORS[cat]}` }), label, ' ', h('b', {}, n.toLocaleString('en')), detail));
    }
    const breaking = data.diff.items.filter((i) => diffCategoryOf(i.kind) === 'would-break');
    if (breaking.length) {
      append(bar, h('details', { class: 'would-break', open: '' }, h('summary', {}, `Would break (${breaking.length})`),
        h('ul', {}, ...breaking.map((item) => {
          const edge = item.subjects.find((s) => s.includes('->'));
          const p = edge ? parseEdgeKey(edge) : undefined;
          const text = p ? `${this.app.nodeLabel(p.source)} → ${this.app.nodeLabel(p.target)} ${p.protocol}${p.port !== undefined ? `/${p.port}` : ''}` : item.message;
          return h('li', {}, h('button', { type: 'button', class: 'link', title: item.message, onclick: () => edge && this.app.jumpToSubject(edge) }, text));
        }))));
    }
  }
}
