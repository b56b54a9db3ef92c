/** The details panel: a node's or an edge's panel (ui/panels.ts draws them), shown and hidden. */
import type { MapNode } from '../types.ts';
import { humanKey } from '../state/findings.ts';
import { byId } from '../ui/dom.ts';
import { showEdge, showNode, type PanelHost } from '../ui/panels.ts';
import type { Actions, AppState } from './state.ts';
import { displayEdgeKey } from '../state/display.ts';
import type { WorkloadPair } from '../state/edge-pairs.ts';

export class PanelController {
  readonly host: PanelHost;

  constructor(private readonly state: AppState, app: Actions) {
    this.host = {
      body: byId('panel-body'),
      root: byId('panel'),
      nodeLabel: (key) => this.nodeLabel(key),
      jumpTo: (key) => app.select(key, true),
      toggleGroup: (key) => { app.select(undefined); app.toggleGroup(key); },
      // an edge's connections are asked in the view's window; an aggregated edge's pair selects its own edge
      timeWindow: () => ({ from: state.view.filters.since, to: state.view.filters.until }),
      selectPair: (pair) => void this.selectPair(app, pair),
    };
    byId('panel-close').addEventListener('click', () => app.select(undefined));
  }

  /** A node's name for people: `cluster/namespace/name`, else the key made readable. */
  nodeLabel(key: string): string {
    const n = this.state.data.nodesByKey.get(key);
    return n && n.kind !== 'group' ? [n.cluster, n.namespace, n.label].filter(Boolean).join('/') : humanKey(key);
  }

  node(node: MapNode): void { void showNode(this.host, node); }

  edge(displayKey: string, members: readonly string[]): void { void showEdge(this.host, displayKey, members); }

  hide(): void { byId('panel').hidden = true; }

  /** A workload pair of an aggregated edge: its edge selected and framed on the map (its folded ends opened); off the map (another level), its panel alone. */
  private async selectPair(app: Actions, pair: WorkloadPair): Promise<void> {
    if (this.state.view.mode === 'table') await app.setMode('map');
    app.reveal(pair.source);
    app.reveal(pair.target);
    const drawn = this.state.data.shown.edges.some((e) => e.source === pair.source && e.target === pair.target);
    if (drawn) app.jumpToSubject(pair.edges[0]!);
    else this.edge(displayEdgeKey(pair.source, pair.target), pair.edges);
  }
}
