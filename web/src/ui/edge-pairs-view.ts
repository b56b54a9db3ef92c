/**
 * An aggregated edge's workload pairs in its panel: each pair with its ports, connections and
 * verdicts, and a button that selects that pair's edge on the map (opening the folded groups
 * that hide its ends). State: state/edge-pairs.ts.
 */
import type { WorkloadPair } from '../state/edge-pairs.ts';
import { verdictClass } from '../state/style.ts';
import { append, h } from './dom.ts';

/** Rows drawn; the rest is counted below the table. */
const PAIRS_SHOWN = 200;

export function pairsSection(pairs: readonly WorkloadPair[], label: (key: string) => string, selectPair: (pair: WorkloadPair) => void): HTMLElement {
  const box = h('section', { class: 'pairs-box' }, h('h3', {}, `Workload pairs (${pairs.length})`));
  if (pairs.length === 0) {
    append(box, h('p', { class: 'muted' }, 'No finer edges behind this one in the window shown.'));
    return box;
  }
  const rows = pairs.slice(0, PAIRS_SHOWN).map((p) => {
    const verdicts = Object.entries(p.verdicts).filter(([, n]) => (n ?? 0) > 0).map(([v, n]) => `${v.toLowerCase()} ${n}`).join(', ');
    return h('tr', { 'data-pair': `${p.source}=>${p.target}` },
      h('td', {}, h('button', { class: 'link', type: 'button', title: 'Select this pair\'s edge on the map', onclick: () => selectPair(p) }, `${label(p.source)} → ${label(p.target)}`)),
      h('td', {}, p.ports.join(', ')),
      h('td', { class: 'num' }, p.count.toLocaleString('en')),
      h('td', {}, h('span', { class: `verdict ${verdictClass(p.verdicts)}` }, verdicts || '—')));
  });
  append(box, h('table', { class: 'edges pairs', 'data-testid': 'edge-pairs' },
    h('thead', {}, h('tr', {}, h('th', {}, 'pair'), h('th', {}, 'ports'), h('th', {}, 'count'), h('th', {}, 'verdicts'))), h('tbody', {}, ...rows)));
  if (pairs.length > PAIRS_SHOWN) append(box, h('p', { class: 'muted' }, `${pairs.length - PAIRS_SHOWN} more pairs not shown.`));
  return box;
}
