/** POST /generate, GET /diff, GET /findings: delegated to the generator's engines (501 until wired). */
import { Router } from 'express';
import type { FindingsResponse, GenerateRequest } from '../api-types.ts';
import { badRequest, notImplemented } from '../errors.ts';
import type { AnalysisProviders } from '../providers.ts';
import type { AppState } from '../../state/app-state.ts';
import { hasWindow, parseWindow, WINDOW_PARAMS, type TimeWindow } from '../view.ts';
import { SYNTHESIS_FORMATS } from '../../../generator/synthesis/types.ts';

const KEY_LIKE = /^[a-z]+:[^\s]{1,1024}$/;
const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,252})?$/;

/** Validates a POST /generate body; throws 400 naming the field. */
export function parseGenerateRequest(body: unknown): GenerateRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('POST /generate needs a JSON object body { "selection": { "nodes"?: [keys], "cluster"?, "namespace"? } } with Content-Type: application/json.');
  }
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== 'selection' && k !== 'format') throw badRequest(`unknown field "${k}" in the body: expected "selection" and optionally "format".`);
  if (b.format !== undefined && !(SYNTHESIS_FORMATS as readonly unknown[]).includes(b.format)) {
    throw badRequest(`field "format" must be one of ${SYNTHESIS_FORMATS.join(', ')} (default networkpolicy).`);
  }
  const format = b.format as GenerateRequest['format'];
  const sel = b.selection;
  if (!sel || typeof sel !== 'object' || Array.isArray(sel)) throw badRequest('field "selection" must be an object { nodes?, cluster?, namespace? }.');
  const s = sel as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (!['nodes', 'cluster', 'namespace'].includes(k)) throw badRequest(`unknown field "selection.${k}": expected nodes, cluster, namespace.`);
  }
  if (s.nodes !== undefined) {
    if (!Array.isArray(s.nodes) || s.nodes.length > 10_000) throw badRequest('field "selection.nodes" must be an array of at most 10,000 node keys.');
    s.nodes.forEach((n, i) => {
      if (typeof n !== 'string' || !KEY_LIKE.test(n)) throw badRequest(`field "selection.nodes[${i}]" is not a node key (like "wl:prod/shop/Deployment/web").`);
    });
  }
  for (const f of ['cluster', 'namespace'] as const) {
    if (s[f] !== undefined && (typeof s[f] !== 'string' || !NAME.test(s[f] as string))) throw badRequest(`field "selection.${f}" must be a Kubernetes name.`);
  }
  return { selection: { ...(s.nodes ? { nodes: s.nodes as string[] } : {}), ...(s.cluster ? { cluster: s.cluster as string } : {}), ...(s.namespace ? { namespace: s.namespace as string } : {}) }, ...(format ? { format } : {}) };
}

/**
 * The validated `from`/`to` window of a query that takes nothing else (undefined: none given),
 * its edges loaded from a shared store so the analysis can read them synchronously.
 */
export async function windowOf(state: AppState, q: Record<string, unknown>, route: string): Promise<TimeWindow | undefined> {
  for (const k of Object.keys(q)) {
    if (!(WINDOW_PARAMS as readonly string[]).includes(k)) throw badRequest(`unknown parameter "${k}": ${route} takes ${WINDOW_PARAMS.join(', ')}.`);
  }
  const window = parseWindow(q, state.now());
  if (!hasWindow(window)) return undefined;
  await state.prefetchWindow(window);
  return window;
}

export function analysisRoutes(state: AppState, providers: AnalysisProviders): Router {
  const r = Router();

  r.post('/generate', async (req, res) => {
    const request = parseGenerateRequest(req.body);
    if (!providers.generate) throw notImplemented('POST /generate (policy generation)');
    const result = await providers.generate(state, request);
    if (req.accepts(['json', 'application/yaml']) === 'application/yaml') res.type('application/yaml').send(result.yaml);
    else res.json(result);
  });

  r.get('/diff', async (req, res) => {
    const window = await windowOf(state, req.query as Record<string, unknown>, '/diff');
    if (!providers.diff) throw notImplemented('GET /diff (intended vs observed)');
    res.json(providers.diff(state, window));
  });

  r.get('/findings', async (req, res) => {
    const window = await windowOf(state, req.query as Record<string, unknown>, '/findings');
    if (!providers.findings) throw notImplemented('GET /findings (risk findings)');
    const body: FindingsResponse = { findings: providers.findings(state, window) };
    res.json(body);
  });

  return r;
}
