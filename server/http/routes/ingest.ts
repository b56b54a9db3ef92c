/**
 * POST /api/v1/ingest: a collector's batch (server/collect/wire.ts). Authenticated per
 * collector (`Authorization: Bearer <that collector's token>`), idempotent by batch id: a
 * resent batch answers 200 with `applied: false` and adds nothing, so a collector retries
 * freely (at-least-once delivery, exactly-once effect).
 */
import express, { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { IngestError, batchOf, readIngestRequest } from '../../collect/wire.ts';
import type { IngestResponse } from '../../collect/wire.ts';
import { resolveRemoteEnds } from '../../collect/remote-ends.ts';
import type { IdentityResolver } from '../../graph/identity.ts';
import { HttpError, badRequest } from '../errors.ts';
import { secretMatches } from '../security.ts';
import type { AppState } from '../../state/app-state.ts';

export interface IngestOptions {
  /** Collector name -> token. */
  readonly tokens: ReadonlyMap<string, string>;
  /** JSON body limit. Default 32 MB (a busy cluster's minute). */
  readonly bodyLimit?: string;
}

export function ingestRoutes(state: AppState, options: IngestOptions): Router {
  const r = Router();
  const bearer = (req: Request): string | undefined => /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  // The token is checked before the body is read: an unknown client never gets a 32 MB parse.
  const known = (req: Request, _res: Response, next: NextFunction): void => {
    const given = bearer(req);
    if (!given) return next(new HttpError(401, 'netatlas/ingest: send "Authorization: Bearer <collector token>" (serve --collector-token NAME=TOKEN).'));
    let match = false;
    for (const t of options.tokens.values()) match = secretMatches(given, t) || match;
    next(match ? undefined : new HttpError(401, 'netatlas/ingest: unknown collector token.'));
  };
  r.post('/', known, express.json({ limit: options.bodyLimit ?? '32mb', strict: true }), async (req: Request, res: Response) => {
    const collector = typeof req.body?.collector === 'string' ? req.body.collector : '';
    const expected = options.tokens.get(collector);
    if (expected === undefined || !secretMatches(bearer(req)!, expected)) {
      throw new HttpError(401, `netatlas/ingest: collector ${JSON.stringify(collector.slice(0, 128))} is unknown or its token is wrong.`);
    }
    let request;
    try {
      request = readIngestRequest(req.body);
    } catch (error) {
      if (error instanceof IngestError) throw badRequest(`ingest from ${collector}: ${error.message}.`);
      throw error;
    }
    // Ends the collector could not place are placed against every cluster's inventory here.
    const resolver = (state.builder as { resolver?: IdentityResolver }).resolver;
    const g = state.graph;
    const batch = resolver ? resolveRemoteEnds(batchOf(request), resolver, undefined, (k) => (g.hasNode(k) ? g.getNodeAttributes(k) : undefined)).batch : batchOf(request);
    const applied = await state.ingestBatch(request.collector, request.batchId, batch);
    if (applied) for (const { cluster, inventory } of request.inventories ?? []) state.setInventory(cluster, inventory);
    const body: IngestResponse = { applied, edges: request.edges.length };
    res.json(body);
  });
  r.use((err: unknown, _req: Request, _res: Response, next: NextFunction) => {
    if ((err as { type?: string })?.type === 'entity.too.large') {
      return next(new HttpError(413, `netatlas/ingest: batch larger than ${options.bodyLimit ?? '32mb'}: give the collector a shorter --interval.`));
    }
    next(err);
  });
  return r;
}
