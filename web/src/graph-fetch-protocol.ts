/** Messages between the page and web/src/graph-fetch.worker.ts. */
import type { ApiNode, GraphResponse } from './types.ts';

export interface GraphFetchRequest { url: string; headers: Record<string, string> }
export type GraphFetchReply =
  | { type: 'head'; nodes: number | undefined; edges: number | undefined }
  /**
   * The answer's nodes, posted ahead of the rest as soon as they are parsed: what a large map's
   * first frame draws, cloned in a few ms (the whole answer's clone took ~0.35 s at 10k).
   */
  | { type: 'nodes'; nodes: readonly ApiNode[] }
  /** The answer; without `nodes` when a `nodes` message came before it. */
  | { type: 'body'; body: Omit<GraphResponse, 'nodes'> & { nodes?: GraphResponse['nodes'] } }
  | { type: 'error'; status: number; code: string; message: string };
