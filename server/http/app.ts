/**
 * createApp(deps): the Express app. Sources and state are injected, so tests drive an AppState
 * directly and the CLI wires real sources.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { ApiError } from './api-types.ts';
import { HttpError } from './errors.ts';
import type { AnalysisProviders } from './providers.ts';
import { analysisRoutes } from './routes/analysis.ts';
import { historyRoutes } from './routes/history.ts';
import { flowsRoutes } from './routes/flows.ts';
import { eventsRoutes } from './routes/events.ts';
import type { EventsOptions } from './routes/events.ts';
import { graphRoutes } from './routes/graph.ts';
import { healthRoutes } from './routes/health.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { riskRoutes } from './routes/risk.ts';
import { apiRateLimit, refuseFilePaths, requireLocalHost, requireToken, securityHeaders, sessionRoutes } from './security.ts';
import type { AppState } from './state.ts';

export interface AppDeps {
  readonly state: AppState;
  /** When set, every /api request except /healthz and /readyz needs `Authorization: Bearer <token>` or the session cookie. */
  readonly token?: string;
  /**
   * Host names a token-less server answers to besides loopback ones (DNS rebinding guard; see
   * requireLocalHost). Ignored when `token` is set: the token guards that server.
   */
  readonly allowedHosts?: readonly string[];
  readonly providers?: AnalysisProviders;
  /** Folder of the built web UI (web/dist). Missing: / answers a page saying to build it. */
  readonly webRoot?: string;
  /** Requests per window per client on /api. Default 1200 per minute; false turns it off. */
  readonly rateLimit?: { readonly windowMs: number; readonly limit: number } | false;
  /** JSON body limit. Default 1 MB. */
  readonly bodyLimit?: string;
  readonly events?: EventsOptions;
  readonly notReady?: () => string[];
  /** Collector name -> token for POST /api/v1/ingest; absent or empty: the route is off. */
  readonly collectorTokens?: ReadonlyMap<string, string>;
}

const MISSING_UI = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>netatlas</title></head>
<body><h1>netatlas</h1>
<p>The web UI is not built. Run <code>npm run build</code>, then restart <code>netatlas serve</code>.</p>
<p>The API answers meanwhile: <a href="/api/v1/graph">/api/v1/graph</a>, <a href="/api/v1/clusters">/api/v1/clusters</a>.</p>
</body></html>
`;

export function createApp(deps: AppDeps): Express {
  const { state } = deps;
  const providers = deps.providers ?? {};
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('json replacer', undefined);
  app.use(securityHeaders());
  if (!deps.token) app.use(requireLocalHost(deps.allowedHosts));

  // Collectors authenticate with their own tokens, so ingest sits before the API's token check.
  if (deps.collectorTokens?.size) app.use('/api/v1/ingest', ingestRoutes(state, { tokens: deps.collectorTokens }));
  const api = express.Router();
  if (deps.rateLimit !== false) api.use(apiRateLimit(deps.rateLimit ?? { windowMs: 60_000, limit: 1200 }));
  if (deps.token) api.use(requireToken(deps.token));
  api.use(express.json({ limit: deps.bodyLimit ?? '1mb', strict: true }));
  if (deps.token) api.use('/v1', sessionRoutes(deps.token));
  api.use(refuseFilePaths());
  const events = eventsRoutes(state, deps.events);
  api.use('/v1', graphRoutes(state, providers));
  api.use('/v1', analysisRoutes(state, providers));
  api.use('/v1', historyRoutes(state));
  api.use('/v1', flowsRoutes(state));
  api.use('/v1', riskRoutes(state, providers));
  api.use('/v1', healthRoutes(state, { notReady: deps.notReady, sseClients: events.clients, sseDropped: events.dropped }));
  api.use('/v1', events.router);
  api.use((req: Request, _res: Response, next: NextFunction) => {
    next(new HttpError(404, `netatlas/api: no route ${req.method} ${req.baseUrl}${req.path.slice(0, 128)}: see docs/api.md.`));
  });
  app.use('/api', api);

  const webRoot = deps.webRoot;
  if (webRoot && existsSync(path.join(webRoot, 'index.html'))) {
    app.use(express.static(webRoot, { index: 'index.html', dotfiles: 'deny', fallthrough: true }));
    app.get('/{*any}', (_req, res) => res.sendFile(path.join(webRoot, 'index.html')));
  } else {
    app.get('/', (_req, res) => res.type('html').send(MISSING_UI));
  }

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; type?: string; message?: string };
    let status = 500;
    let message = 'netatlas/api: internal error.';
    let code: string | undefined;
    if (err instanceof HttpError) {
      status = err.status;
      message = err.message;
      code = err.code;
    } else if (e?.type === 'entity.too.large') {
      status = 413;
      message = `netatlas/api: request body too large (limit ${deps.bodyLimit ?? '1mb'}).`;
      code = 'too_large';
    } else if (e?.type === 'entity.parse.failed') {
      status = 400;
      message = `netatlas/api: the body is not valid JSON: ${e.message ?? ''}`.trim();
    } else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      status = e.status;
      message = `netatlas/api: ${e.message ?? 'bad request'}`;
    } else {
      process.stderr.write(`netatlas/api: ${req.method} ${req.path}: ${(err as Error)?.stack ?? String(err)}\n`);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    const body: ApiError = { error: message, code: code ?? (status === 400 ? 'bad_request' : status === 413 ? 'too_large' : status === 404 ? 'not_found' : 'internal') };
    res.status(status).json(body);
  });
  return app;
}
