/** Messages between the page and web/src/graph-fetch.worker.ts. */
import type { GraphResponse } from './types.ts';

export interface GraphFetchRequest { url: string; headers: Record<string, string> }
export type GraphFetchReply =
  | { type: 'head'; nodes: number | undefined; edges: number | undefined }
  | { type: 'body'; body: GraphResponse }
  | { type: 'error'; status: number; code: string; message: string };
