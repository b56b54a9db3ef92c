/** The side panel: node details (labels, owner, pods, edges with rules, policies, findings, generated YAML) and edge details (the flows behind it). */
import { api, ApiRequestError } from '../api.ts';
import type { ApiEdge, EdgeDetailResponse, Finding, MapNode, NodeDetailResponse } from '../types.ts';
import { portLabel } from '../state/display.ts';
import { verdictClass } from '../state/style.ts';
import { append, clear, downloadBlob, formatTime, h } from './dom.ts';
import { isAggregateKey, workloadPairs, type WorkloadPair } from '../state/edge-pairs.ts';
import { pairsSection } from './edge-pairs-view.ts';
import { flowsSection, samplesTable } from './flows-view.ts';

export interface PanelHost {
  readonly body: HTMLElement;
  readonly root: HTMLElement;
  nodeLabel(key: string): string;
  jumpTo(key: string): void;
  toggleGroup(groupKey: string): void;
  /** Select the edge between two nodes on the map (revealing folded ends), else open its panel (an aggregated edge's pairs). */
  selectPair?(pair: WorkloadPair): void;
  /** The view's time window: an edge's connections are asked within it. */
  timeWindow?(): { from?: number; to?: number };
}

function verdictCell(e: Pick<ApiEdge, 'verdicts'>): HTMLElement {
  const cls = verdictClass(e.verdicts);
  const parts = Object.entries(e.verdicts).filter(([, n]) => (n ?? 0) > 0).map(([v, n]) => `${v.toLowerCase()} ${n}`);
  return h('span', { class: `verdict ${cls}` }, parts.join(', ') || '—');
}

function errorText(err: unknown): string {
  if (err instanceof ApiRequestError) return err.status === 501 ? `Not available yet: ${err.message}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

function kv(entries: readonly [string, string | undefined][]): HTMLElement {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of entries) if (v !== undefined && v !== '') append(dl, h('dt', {}, k), h('dd', {}, v));
  return dl;
}

export function yamlBlock(title: string, fetchYaml: () => Promise<string>, filename: string): HTMLElement {
  const box = h('section', { class: 'yaml-box' }, h('h3', {}, title), h('p', { class: 'muted' }, 'Generating…'));
  fetchYaml().then(
    (yaml) => {
      clear(box);
      const pre = h('pre', { class: 'yaml', 'data-testid': 'policy-yaml' }, yaml);
      const copy = h('button', { type: 'button', onclick: () => { void navigator.clipboard?.writeText(yaml).then(() => { copy.textContent = 'Copied'; }, () => { copy.textContent = 'Copy failed'; }); } }, 'Copy');
      const dl = h('button', { type: 'button', onclick: () => downloadBlob(new Blob([yaml], { type: 'application/yaml' }), filename) }, 'Download');
      append(box, h('h3', {}, title), pre, h('div', { class: 'row-actions' }, copy, dl));
    },
    (err) => { clear(box); append(box, h('h3', {}, title), h('p', { class: 'muted' }, errorText(err))); },
  );
  return box;
}

function edgeTable(host: PanelHost, edges: readonly ApiEdge[], side: 'source' | 'target', rules: Map<string, HTMLElement>): HTMLElement {
  if (edges.length === 0) return h('p', { class: 'muted' }, 'none');
  const body = h('tbody');
  const sorted = [...edges].sort((a, b) => b.count - a.count);
  for (const e of sorted.slice(0, 200)) {
    const peer = side === 'source' ? e.source : e.target;
    const rule = h('span', { class: 'muted' }, '…');
    rules.set(e.key, rule);
    append(body, h('tr', { 'data-edge': e.key },
      h('td', { class: 'peer' }, h('button', { class: 'link', type: 'button', onclick: () => host.jumpTo(peer) }, host.nodeLabel(peer))),
      h('td', { class: 'num' }, portLabel(e)),
      h('td', { class: 'num' }, e.count.toLocaleString('en')),
      h('td', { class: 'verdicts' }, verdictCell(e))),
      // the deciding rule on a row of its own, full width: a column of prose squeezed every other column
      h('tr', { class: 'rule-row', 'data-edge-rule': e.key }, h('td', { class: 'rule', colspan: '4' }, rule)));
  }
  return h('table', { class: 'edges' }, h('thead', {}, h('tr', {}, h('th', {}, side === 'source' ? 'from' : 'to'), h('th', {}, 'port'), h('th', {}, 'count'), h('th', {}, 'verdicts'))), body);
}

/** Fill the rule column from each edge's explanation, a few at a time. */
async function fillRules(rules: Map<string, HTMLElement>): Promise<void> {
  const keys = [...rules.keys()].slice(0, 60);
  const worker = async (): Promise<void> => {
    for (let k = keys.shift(); k !== undefined; k = keys.shift()) {
      const cell = rules.get(k)!;
      try {
        const d = await api.edge(k);
        cell.textContent = d.explanation ? d.explanation.reason : 'policy engine not available';
        cell.className = d.explanation?.verdict === 'denied' ? 'error' : '';
      } catch (err) {
        cell.textContent = errorText(err);
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

function findingsList(host: PanelHost, findings: readonly Finding[]): HTMLElement {
  if (findings.length === 0) return h('p', { class: 'muted' }, 'none');
  return h('ul', { class: 'finding-list' }, ...findings.map((f) => h('li', {}, h('span', { class: `badge ${f.severity}` }, f.severity), ' ', f.message)));
}

export type PanelTab = 'overview' | 'traffic' | 'policies' | 'findings' | 'yaml';
const TABS: readonly [PanelTab, string][] = [['overview', 'Overview'], ['traffic', 'Traffic'], ['policies', 'Policies'], ['findings', 'Findings'], ['yaml', 'YAML']];
/** The tab shown: kept from one selection to the next (looking at the YAML of one workload after another). */
let activeTab: PanelTab = 'overview';

/** A tab bar (arrow keys move between tabs) over one section per tab; returns the sections to fill. */
function tabs(host: PanelHost): { sections: Record<PanelTab, HTMLElement>; count(tab: PanelTab, n: number): void } {
  const bar = h('div', { class: 'tabbar', role: 'tablist', 'aria-label': 'Details' });
  const sections = {} as Record<PanelTab, HTMLElement>;
  const buttons = new Map<PanelTab, HTMLElement>();
  const show = (tab: PanelTab, focus = false): void => {
    activeTab = tab;
    for (const [t, b] of buttons) { b.setAttribute('aria-selected', String(t === tab)); b.tabIndex = t === tab ? 0 : -1; sections[t].hidden = t !== tab; }
    if (focus) buttons.get(tab)?.focus();
  };
  for (const [tab, title] of TABS) {
    const b = h('button', {
      type: 'button', role: 'tab', id: `tab-${tab}`, 'data-tab': tab, 'aria-controls': `tabpanel-${tab}`,
      onclick: () => show(tab),
      onkeydown: (ev: Event) => {
        const k = (ev as KeyboardEvent).key;
        if (k !== 'ArrowRight' && k !== 'ArrowLeft') return;
        const i = TABS.findIndex(([t]) => t === tab);
        show(TABS[(i + (k === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length]![0], true);
      },
    }, title);
    buttons.set(tab, b);
    append(bar, b);
    sections[tab] = h('section', { role: 'tabpanel', id: `tabpanel-${tab}`, 'aria-labelledby': `tab-${tab}`, 'data-tabpanel': tab });
  }
  append(host.body, bar, ...TABS.map(([t]) => sections[t]));
  show(activeTab);
  return { sections, count: (tab, n) => { const b = buttons.get(tab); if (b) append(b, h('span', { class: 'n' }, String(n))); } };
}

/** "workload · Deployment in prod / boutique" */
function subtitle(node: MapNode): string {
  const what = `${node.kind === 'group' ? 'folded group' : node.kind}${node.workloadKind ? ` · ${node.workloadKind}` : ''}`;
  const where = [node.cluster, node.namespace].filter(Boolean).join(' / ');
  return where ? `${what} in ${where}` : what;
}

export async function showNode(host: PanelHost, node: MapNode): Promise<void> {
  host.root.hidden = false;
  clear(host.body);
  append(host.body, h('h2', {}, node.label), h('p', { class: 'subtitle', title: node.key }, subtitle(node)));
  if (node.kind === 'group') {
    append(host.body, h('p', {}, `${node.members ?? 0} nodes folded into one (double-click it on the map to open it).`),
      h('button', { type: 'button', onclick: () => host.toggleGroup(node.key) }, 'Open'),
      yamlBlock(node.namespace !== undefined ? `Generated policies for namespace ${node.namespace}` : `Generated policies for cluster ${node.cluster ?? ''}`,
        async () => (await api.generate({ selection: { nodes: [node.key] } })).yaml, `${node.label.replaceAll('/', '-')}-netpol.yaml`));
    return;
  }
  const { sections, count } = tabs(host);
  if (node.cluster !== undefined) {
    const cluster = node.cluster;
    append(sections.overview, h('div', { class: 'row-actions' },
      node.namespace !== undefined && node.kind !== 'namespace'
        ? h('button', { type: 'button', onclick: () => host.toggleGroup(`ns:${cluster}/${node.namespace}`) }, `Collapse namespace ${node.namespace}`) : null,
      node.kind !== 'cluster' ? h('button', { type: 'button', onclick: () => host.toggleGroup(`cluster:${cluster}`) }, `Collapse cluster ${cluster}`) : null));
  }
  let detail: NodeDetailResponse;
  try {
    detail = await api.node(node.key);
  } catch (err) {
    append(sections.overview, h('p', { class: 'error' }, errorText(err)));
    return;
  }
  const n = detail.node;
  append(sections.overview, kv([
    ['cluster', n.cluster], ['namespace', n.namespace],
    ['owner', detail.owner ? `${detail.owner.kind}/${detail.owner.name}` : undefined],
    ['ip', n.ip ?? n.ips?.join(', ')], ['dns names', n.fqdns?.join(', ')],
    ['pods', String(detail.pods.length || n.pods || 0)],
    ['key', n.key],
  ]));
  const labels = Object.entries(n.labels ?? {});
  append(sections.overview, h('h3', {}, 'Labels'), labels.length ? kv(labels) : h('p', { class: 'muted' }, 'none'));
  if (detail.annotations && Object.keys(detail.annotations).length) append(sections.overview, h('h3', {}, 'Annotations'), kv(Object.entries(detail.annotations)));
  if (detail.pods.length) {
    append(sections.overview, h('h3', {}, `Pods (${detail.pods.length})`), h('ul', {}, ...detail.pods.slice(0, 50).map((p) => h('li', {}, p.label, p.ips?.length ? ` (${p.ips.join(', ')})` : ''))));
  }
  const rules = new Map<string, HTMLElement>();
  count('traffic', detail.inEdges.length + detail.outEdges.length);
  append(sections.traffic,
    h('h3', {}, `Incoming (${detail.inEdges.length})`), edgeTable(host, detail.inEdges, 'source', rules),
    h('h3', {}, `Outgoing (${detail.outEdges.length})`), edgeTable(host, detail.outEdges, 'target', rules));
  if (detail.policies !== null) count('policies', detail.policies.length);
  append(sections.policies, h('h3', {}, 'Policies selecting it'),
    detail.policies === null ? h('p', { class: 'muted' }, 'policy engine not available')
      : detail.policies.length ? h('ul', {}, ...detail.policies.map((p) => h('li', {}, `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`)))
        : h('p', { class: 'muted' }, 'none: every connection is allowed'));
  count('findings', detail.findings.length);
  append(sections.findings, findingsList(host, detail.findings));
  if (n.kind === 'workload' || n.kind === 'namespace' || n.kind === 'pod') {
    append(sections.yaml, yamlBlock('Generated policy', async () => (await api.generate({ selection: { nodes: [n.key] } })).yaml, `${n.label}-netpol.yaml`));
  } else {
    append(sections.yaml, h('p', { class: 'muted' }, 'Policies are generated for workloads, pods and namespaces.'));
  }
  void fillRules(rules);
}

export async function showEdge(host: PanelHost, displayKey: string, members: readonly string[]): Promise<void> {
  host.root.hidden = false;
  clear(host.body);
  const [source, target] = displayKey.split('=>');
  append(host.body, h('h2', {}, `${host.nodeLabel(source ?? '')} → ${host.nodeLabel(target ?? '')}`));
  const details: EdgeDetailResponse[] = [];
  for (const key of members.slice(0, 12)) {
    if (key.startsWith('diff:')) { append(host.body, h('p', {}, 'Allowed by the intended policies, but no flow was seen.')); continue; }
    try {
      details.push(await api.edge(key));
    } catch (err) {
      append(host.body, h('p', { class: 'error' }, `${key}: ${errorText(err)}`));
    }
  }
  // an aggregated edge (cluster or namespace ends) leads to the workload pairs behind it (and lists their connections below)
  const aggregate = isAggregateKey(source ?? '') || isAggregateKey(target ?? '');
  if (aggregate && details.length) {
    append(host.body, pairsSection(workloadPairs(details.flatMap((d) => d.parts)), (k) => host.nodeLabel(k), (p) => host.selectPair?.(p)));
  }
  for (const d of details) {
    const e = d.edge;
    append(host.body,
      h('h3', {}, portLabel(e)),
      kv([['connections', String(e.count)], ['first seen', formatTime(e.firstSeen)], ['last seen', formatTime(e.lastSeen)],
        ['inter-cluster', e.interCluster ? 'yes' : 'no'], ['service', e.service]]),
      verdictCell(e),
      h('p', {}, d.explanation ? `${d.explanation.verdict}: ${d.explanation.reason}` : 'policy engine not available'));
    append(host.body, flowsSection(e.key, host.timeWindow?.() ?? {}, () => samplesTable(d)));
  }
  if (members.length > 12) append(host.body, h('p', { class: 'muted' }, `${members.length - 12} more ports not shown.`));
}
