/**
 * The app's one state object and the actions controllers call on each other.
 *
 * `AppState.view` is the shareable part (mirrored in the URL, see url.ts); `ui` holds what the
 * controls set that is not shared (toggles, search text, table sort); `data` is what the server
 * answered; `phase` says where the graph load stands. Inputs write into this state and every
 * controller renders from it: nothing is read back from the DOM.
 */
import type { DiffResponse, Finding, MapGraph, MapNode } from '../types.ts';
import type { AttackPath } from '../state/attack-paths.ts';
import type { SearchHit } from '../state/search.ts';
import type { EdgeColumn } from '../state/table.ts';
import { decodeViewState, type ViewMode, type ViewState } from '../state/url-state.ts';

/** Where the graph load stands; `nodes`: the first map's nodes are drawn, its edges on their way. */
export type LoadPhase =
  | { readonly phase: 'loading' }
  | { readonly phase: 'nodes' }
  | { readonly phase: 'ready' }
  | { readonly phase: 'error'; readonly error: string; readonly retry: () => void };

export interface UiState {
  /** The Findings panel and risk colours. */
  findingsOn: boolean;
  /** Subscribed to the server's deltas (GET /events). */
  liveOn: boolean;
  search: { text: string; hits: SearchHit[]; index: number };
  table: { filter: string; column: EdgeColumn; desc: boolean };
  /** The attack path lit on the map (its id). */
  pathShown: string | undefined;
  /** The user moved the camera (drag, wheel): a settled layout is not framed over it. */
  cameraTouched: boolean;
  layoutDone: boolean;
  /** The URL names no folded groups: the first data decides them (readableCollapse). */
  autoFold: boolean;
  /** What that decided (left out of the URL while unchanged). */
  autoCollapsed: readonly string[] | undefined;
}

export interface DataState {
  raw: MapGraph;
  /** What is drawn: raw -> diff -> risk -> filters -> collapse. */
  shown: MapGraph;
  nodesByKey: Map<string, MapNode>;
  /** The last delta's sequence number (Live resumes from it). */
  seq: number;
  diff: DiffResponse | undefined;
  diffSummary: Readonly<Record<string, number>>;
  diffError: string | undefined;
  findings: readonly Finding[] | undefined;
  risk: Map<string, number>;
  /** GET /risk's paths (undefined until the Findings panel first opens), or why they are missing. */
  attackPaths: readonly AttackPath[] | undefined;
  pathsError: string | undefined;
}

export interface AppState {
  view: ViewState;
  ui: UiState;
  data: DataState;
  phase: LoadPhase;
}

export function initialState(search: string): AppState {
  const params = new URLSearchParams(search);
  return {
    view: decodeViewState(search),
    ui: {
      findingsOn: false, liveOn: false,
      search: { text: '', hits: [], index: -1 },
      table: { filter: '', column: 'count', desc: true },
      pathShown: undefined, cameraTouched: false, layoutDone: false,
      autoFold: !params.has('collapsed'), autoCollapsed: undefined,
    },
    data: {
      raw: { nodes: [], edges: [] }, shown: { nodes: [], edges: [] }, nodesByKey: new Map(), seq: 0,
      diff: undefined, diffSummary: {}, diffError: undefined,
      findings: undefined, risk: new Map(), attackPaths: undefined, pathsError: undefined,
    },
    phase: { phase: 'loading' },
  };
}

/** What controllers ask of each other; main.ts wires each to the controller that owns it. */
export interface Actions {
  /** Change the view state (and the URL); `rerender`: redraw and frame the result. */
  setView(patch: Partial<ViewState>, rerender?: boolean): void;
  /** Redraw every view from the state; `frame`: fit the camera to what is drawn. */
  render(frame?: boolean): void;
  select(key: string | undefined, focus?: boolean): void;
  /** Select an edge by its display key and open its panel. */
  selectEdge(displayKey: string, members: readonly string[]): void;
  setMode(mode: ViewMode): Promise<void>;
  /** A finding's subject (edge or node key) selected and framed. */
  jumpToSubject(subject: string): void;
  reveal(key: string): void;
  toggleGroup(groupKey: string): void;
  load(): Promise<void>;
  loadDiff(loud?: boolean): Promise<void>;
  /** The attack path shown is cleared (a selection replaces it). */
  clearPath(): void;
  nodeLabel(key: string): string;
  status(text: string): void;
  /** An error the user can act on, with Retry; undefined hides it. */
  banner(text: string | undefined, retry?: () => void): void;
  startLive(): void;
}
