/** The details panel: a node's or an edge's panel (ui/panels.ts draws them), shown and hidden. */
import type { MapNode } from '../types.ts';
import { humanKey } from '../state/findings.ts';
import { byId } from '../ui/dom.ts';
import { showEdge, showNode, type PanelHost } from '../ui/panels.ts';
import type { Actions, AppState } from './state.ts';

export class PanelController {
  readonly host: PanelHost;

  constructor(private readonly state: AppState, app: Actions) {
    this.host = {
      body: byId('panel-body'),
      root: byId('panel'),
      nodeLabel: (key) => this.nodeLabel(key),
      jumpTo: (key) => app.select(key, true),
      toggleGroup: (key) => { app.select(undefined); app.toggleGroup(key); },
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
}
