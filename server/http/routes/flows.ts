/**
 * GET /flows?edge=<edge key>&from=&to=&verdict=&q=&cursor=&limit=: the connections behind one
 * edge of /api/v1/graph, at any level (an aggregated edge's rows are its parts' rows), newest
 * first, one row per connection with its verdict corrections folded (server/store/connections.ts).
 *
 * Paging is by keyset (first seen, then the row's sequence number), so connections stored while
 * a user pages never shift or repeat the rows of later pages.
 */
import { Router } from 'express';
import { VERDICTS } from '../../../generator/model/index.ts';
import type { Verdict } from '../../../generator/model/index.ts';
import { decodeCursor, encodeCursor } from '../../store/connections.ts';
import type { FlowRow, FlowsResponse } from '../api-types.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import type { AppState } from '../../state/app-state.ts';
import { parseWindow, WINDOW_PARAMS } from '../view.ts';
import { findEdge } from './graph.ts';

export const DEFAULT_FLOWS_LIMIT = 50;
export const MAX_FLOWS_LIMIT = 500;
const PARAMS = ['edge', 'verdict', 'q', 'cursor', 'limit', ...WINDOW_PARAMS];

/** A parameter given once as text, or undefined; 400 naming it when repeated or not text. */
function one(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`parameter "${name}" must be given once.`);
  return v;
}

export function flowsRoutes(state: AppState): Router {
  const r = Router();
  r.get('/flows', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    for (const k of Object.keys(q)) if (!PARAMS.includes(k)) throw badRequest(`unknown parameter "${k}": expected one of ${PARAMS.join(', ')}.`);
    const key = one(q, 'edge');
    if (!key || key.length > 2048) throw badRequest('parameter "edge" is missing or longer than 2048 characters: give an edge key from /api/v1/graph.');
    const window = parseWindow(q, state.now());
    const verdictText = one(q, 'verdict');
    const verdicts = verdictText?.split(',').map((v) => v.trim().toUpperCase()).filter((v) => v !== '');
    for (const v of verdicts ?? []) {
      if (!(VERDICTS as readonly string[]).includes(v)) throw badRequest(`parameter "verdict" has ${JSON.stringify(v.slice(0, 32))}: expected any of ${VERDICTS.join(', ')}.`);
    }
    const text = one(q, 'q')?.trim().toLowerCase();
    if (text !== undefined && text.length > 256) throw badRequest('parameter "q" is longer than 256 characters.');
    const limitText = one(q, 'limit');
    const limit = limitText === undefined ? DEFAULT_FLOWS_LIMIT : Number(limitText);
    if (!/^\d+$/.test(limitText ?? '1') || !Number.isInteger(limit) || limit < 1 || limit > MAX_FLOWS_LIMIT) {
      throw badRequest(`parameter "limit" is ${JSON.stringify(String(limitText).slice(0, 32))}: expected a whole number 1-${MAX_FLOWS_LIMIT}.`);
    }
    const cursorText = one(q, 'cursor');
    const after = cursorText === undefined ? undefined : decodeCursor(cursorText);
    if (cursorText !== undefined && !after) throw badRequest('parameter "cursor" is not one this server gave: pass "nextCursor" from the previous page as it came.');
    const store = state.store;
    if (!store?.isOpen || !store.queryConnections || store.perEdgeMinute === undefined) {
      throw new HttpError(503, 'netatlas/api: this server keeps no connections: start it with a store (serve --db FILE or --store postgres://...).');
    }
    const found = await findEdge(state, key, window);
    if (!found) throw notFound(`no edge ${JSON.stringify(key.slice(0, 256))}: take keys from /api/v1/graph.`);
    const page = await store.queryConnections({
      edges: found.parts.length ? found.parts : [key], ...window,
      ...(verdicts?.length ? { verdicts: verdicts as Verdict[] } : {}), ...(text ? { text } : {}), ...(after ? { after } : {}), limit: limit + 1,
    });
    const more = page.rows.length > limit;
    const rows = page.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    const body: FlowsResponse = {
      edge: key,
      rows: rows.map(({ seq: _seq, ...row }): FlowRow => row),
      total: page.total,
      ...(more && last ? { nextCursor: encodeCursor({ firstSeen: last.firstSeen, seq: last.seq }) } : {}),
      kept: { perEdgeMinute: store.perEdgeMinute, capped: page.capped },
    };
    res.json(body);
  });
  return r;
}
