/**
 * The Findings controller: the Findings toggle (risk colours on the map), the ranked components
 * with their fix, findings grouped by rule and namespace, and the attack paths of GET /risk
 * (one lit on the map with its cut).
 */
import { api } from '../api.ts';
import { displayEdgeKey } from '../state/display.ts';
import { hopEvidence, hopTitle, INTERNET, pathFocus, percent, type AttackPath } from '../state/attack-paths.ts';
import { groupFindings, humanizeKeys, rankComponents, SEVERITY_ORDER } from '../state/findings.ts';
import { parseEdgeKey, riskScores, SEVERITY_SCORE } from '../state/graph-data.ts';
import { riskColor } from '../state/style.ts';
import { append, byId, clear, h } from '../ui/dom.ts';
import { yamlBlock } from '../ui/panels.ts';
import type { MapController } from './map.ts';
import type { PanelController } from './panels.ts';
import { describeFailure } from './shell.ts';
import type { Actions, AppState } from './state.ts';

export class FindingsController {
  constructor(private readonly state: AppState, private readonly app: Actions, private readonly maps: MapController, private readonly panel: PanelController) {
    byId('btn-findings').addEventListener('click', () => void this.toggle());
    byId('findings-close').addEventListener('click', () => void this.toggle());
  }

  async toggle(): Promise<void> {
    const { ui, data } = this.state;
    const on = (ui.findingsOn = !ui.findingsOn);
    byId('btn-findings').setAttribute('aria-pressed', String(on));
    byId('findings').hidden = !on;
    if (on && !data.findings) {
      const [findings, risk] = await Promise.allSettled([api.findings(), api.risk()]);
      if (risk.status === 'fulfilled') data.attackPaths = risk.value.paths;
      else data.pathsError = describeFailure(risk.reason);
      if (findings.status === 'fulfilled') {
        data.findings = findings.value.findings;
        data.risk = riskScores(data.findings);
      } else {
        data.findings = [];
        clear(byId('findings-body'));
        append(byId('findings-body'), h('p', { class: 'muted' }, describeFailure(findings.reason)));
      }
    }
    this.render();
    this.app.render(true);
  }

  /** The attack path shown is cleared (a selection replaces it; the map clears its drawing in select). */
  clearPath(): void {
    this.state.ui.pathShown = undefined;
    this.render();
  }

  /** An attack path on the map: its nodes revealed and lit, the rest dimmed, the cut hop marked, the camera framed on it. */
  private showAttackPath(path: AttackPath | undefined): void {
    const { app, state } = this;
    const map = this.maps.map;
    if (path && state.view.mode === 'table') void app.setMode('map');
    if (path) for (const hop of path.hops) for (const k of [hop.from, hop.to]) if (k !== INTERNET) app.reveal(k);
    app.setView({ selection: undefined }, false);
    this.panel.hide();
    map.select(undefined);
    state.ui.pathShown = path?.id;
    if (path) {
      const focus = pathFocus(path, (k) => map.graph.hasNode(k), (k) => map.graph.hasEdge(k));
      map.showPath(focus);
      map.fitToNodes(true, focus.nodes);
    }
    this.render();
  }

  /** The Findings panel's attack paths: each as its hops, likelihood, evidence; the one shown with its cut. */
  private attackPathsSection(label: (k: string) => string): HTMLElement[] {
    const { attackPaths, pathsError } = this.state.data;
    if (attackPaths === undefined) return pathsError !== undefined ? [h('h3', {}, 'Attack paths'), h('p', { class: 'muted' }, `Not available: ${pathsError}`)] : [];
    if (attackPaths.length === 0) return [h('h3', {}, 'Attack paths'), h('p', { class: 'muted' }, 'None: no entry point reaches a crown jewel over the connections the policies allow.')];
    return [h('h3', {}, `Attack paths (${attackPaths.length})`), h('ol', { class: 'attack-paths' }, ...attackPaths.map((p) => {
      const shown = p.id === this.state.ui.pathShown;
      const names = [p.hops[0]!.from, ...p.hops.map((x) => x.to)].map((k) => (k === INTERNET ? 'internet' : label(k)));
      return h('li', { 'data-path': p.id },
        h('button', { type: 'button', class: 'component', 'aria-pressed': String(shown), title: shown ? 'Stop showing it on the map' : 'Show it on the map with its cut',
          onclick: () => this.showAttackPath(shown ? undefined : p) },
        h('span', { class: 'name' }, names.join(' → ')), h('b', { class: 'score', title: 'likelihood' }, percent(p.likelihood))),
        h('div', { class: 'breakdown' }, h('span', { class: 'muted' }, `impact ${percent(p.impact)}${p.crossesClusters ? ' · crosses clusters' : ''} · `),
          h('span', { class: `badge ${p.cut.status === 'cut' ? 'low' : 'high'}` }, p.cut.status === 'cut' ? 'cut found' : 'no cut')),
        shown ? pathDetail(p, label) : null);
    }))];
  }

  render(): void {
    const { data } = this.state;
    const body = byId('findings-body');
    if ((!data.findings || data.findings.length === 0) && data.attackPaths === undefined) return;
    clear(body);
    const label = (k: string): string => this.app.nodeLabel(k);
    const counts = new Map<string, number>();
    for (const f of [...(data.findings ?? [])].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9))) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
    append(body, h('p', {}, ...[...counts].map(([s, n]) => h('span', { class: `badge ${s}` }, `${n} ${s}`)).flatMap((b) => [b, ' '])));
    append(body, ...this.attackPathsSection(label));
    if (!data.findings) return;
    // the riskiest components first, each with what makes up its score and a fix to generate
    append(body, h('h3', {}, 'Riskiest components'));
    append(body, h('ol', { class: 'ranked' }, ...rankComponents(data.findings, 10).map((c) => {
      const fix = h('div', { class: 'fix' });
      const fixable = /^(wl|pod|ns):/.test(c.key);
      return h('li', { 'data-component': c.key },
        h('button', { type: 'button', class: 'component', onclick: () => this.jumpToSubject(c.key) },
          h('span', { class: 'risk-dot', style: `background:${riskColor(c.score)}` }), h('span', { class: 'name' }, label(c.key)), h('b', { class: 'score' }, String(c.score))),
        h('div', { class: 'breakdown' }, ...c.breakdown.map((b) => h('span', { class: `badge ${b.severity}`, title: `${b.count} finding(s) of rule ${b.code}` }, `${b.code}${b.count > 1 ? ` ×${b.count}` : ''}`)).flatMap((b) => [b, ' '])),
        fixable ? h('button', { type: 'button', class: 'link', 'data-fix': c.key, onclick: () => {
          clear(fix);
          append(fix, yamlBlock('Least-privilege policy for it', async () => (await api.generate({ selection: { nodes: [c.key] } })).yaml, `${label(c.key).replaceAll('/', '-')}-netpol.yaml`));
        } }, 'How to fix: generate its policy') : null,
        fix);
    })));
    append(body, h('h3', {}, 'Findings by rule and namespace'));
    for (const g of groupFindings(data.findings)) {
      append(body, h('details', { class: 'finding-group', 'data-group': g.key },
        h('summary', {}, h('span', { class: `badge ${g.severity}` }, g.severity), ' ', h('b', {}, g.code), ` in ${g.namespace} `, h('span', { class: 'muted' }, `(${g.findings.length})`)),
        h('ul', {}, ...g.findings.map((f) => {
          const subject = f.subjects.find((s) => s.includes('->')) ?? f.subjects[0];
          return h('li', {}, h('button', { type: 'button', onclick: () => subject && this.jumpToSubject(subject) },
            h('span', { class: 'risk-dot', style: `background:${riskColor(SEVERITY_SCORE[f.severity] ?? 0)}` }),
            h('span', {}, humanizeKeys(f.message, label))));
        }))));
    }
  }

  /** A finding's subject on the map: its edge (selected, both ends framed) when drawn, else its node. */
  jumpToSubject(subject: string): void {
    const { app } = this;
    const map = this.maps.map;
    if (this.state.view.mode === 'table') void app.setMode('map');
    const edge = parseEdgeKey(subject);
    if (edge) {
      const key = displayEdgeKey(edge.source, edge.target);
      if (map.graph.hasEdge(key)) {
        app.selectEdge(key, map.edgeMembersOf(key));
        map.fitToNodes(true, [edge.source, edge.target]);
        return;
      }
      subject = edge.source;
    }
    app.select(subject, true);
  }
}

function pathDetail(p: AttackPath, label: (k: string) => string): HTMLElement {
  const box = h('div', { class: 'path-detail', 'data-testid': 'attack-path-detail' });
  append(box, h('ol', { class: 'hops' }, ...p.hops.map((hop, i) => {
    const cut = p.cut.status === 'cut' && p.cut.hop === i;
    return h('li', { class: `${hop.observed ? 'observed' : 'allowed'}${cut ? ' cut' : ''}`, 'data-hop': String(i) },
      h('span', {}, hopTitle(hop, label)), ' ',
      h('span', { class: `badge ${hop.observed ? 'medium' : 'info'}` }, hop.observed ? 'observed' : 'allowed only'),
      cut ? h('span', { class: 'badge cut' }, 'the cut removes this hop') : null,
      h('div', { class: 'muted' }, `${hopEvidence(hop)} · takeover likelihood ${percent(hop.likelihood)}`));
  })));
  if (p.cut.status === 'cut') {
    const yaml = p.cut.changes.map((c) => c.yaml ?? '').filter(Boolean).join('---\n');
    const proof = p.cut.proof;
    if (proof) append(box, h('p', { class: 'muted' }, `Proved: the hop is denied${proof.pathGone ? ', the path is gone' : ''}; ${proof.observedChecked} observed flow(s) checked, ${proof.observedBroken.length} broken${proof.observedUnchecked ? `, ${proof.observedUnchecked} the engine cannot evaluate` : ''}.`));
    append(box, yamlBlock('The cut', () => Promise.resolve(yaml), `cut-${p.id.replace(/[^\w.-]+/g, '-')}.yaml`));
  } else {
    append(box, h('h3', {}, 'No cut keeps every observed flow'), h('ul', {}, ...p.cut.reasons.map((r) => h('li', {}, humanizeKeys(r, label)))));
  }
  return box;
}
