/**
 * GET /risk: workloads by risk with their parts, attack paths from entry points to crown jewels
 * (each hop observed or merely allowed) and each path's cut as YAML with its proof. Query
 * parameters (all optional, repeatable where noted): `crownJewels` and `entries` (workload
 * selectors, docs/risk.md), `maxHops`, `maxPaths`, `ipBlockMatchesPods` (true|false). Each
 * workload carries the findings (of the findings provider, when there is one) that touch it.
 */
import { Router } from 'express';
import { parseWorkloadSelector } from '../../../generator/risk/index.ts';
import { computeRisk } from '../../risk.ts';
import { badRequest, HttpError } from '../errors.ts';
import type { AnalysisProviders } from '../providers.ts';
import type { AppState } from '../../state/app-state.ts';

const PARAMS = ['crownJewels', 'entries', 'maxHops', 'maxPaths', 'ipBlockMatchesPods'];

/**
 * The most workloads one request analyzes: every ordered pair is evaluated on the request's
 * thread (about 4 s at 500), and a server must not stall longer than that.
 */
export const API_MAX_WORKLOADS = 500;

function list(v: unknown, name: string): string[] {
  const items = v === undefined ? [] : Array.isArray(v) ? v : [v];
  if (items.length > 20 || items.some((x) => typeof x !== 'string' || x.length > 512)) throw badRequest(`parameter "${name}" takes at most 20 selectors of at most 512 characters.`);
  for (const s of items as string[]) {
    try {
      parseWorkloadSelector(s, name);
    } catch (error) {
      throw badRequest(`parameter "${name}": ${(error as Error).message.replace(/^netatlas\/risk: /, '')}`);
    }
  }
  return items as string[];
}

function int(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d{1,4}$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw badRequest(`parameter "${name}" must be a whole number from ${min} to ${max}.`);
  return n;
}

export function riskRoutes(state: AppState, providers: AnalysisProviders = {}): Router {
  const r = Router();
  r.get('/risk', (req, res) => {
    const unknown = Object.keys(req.query).find((k) => !PARAMS.includes(k));
    if (unknown) throw badRequest(`unknown parameter "${unknown}": /risk takes ${PARAMS.join(', ')}.`);
    const q = req.query as Record<string, unknown>;
    const ipb = q.ipBlockMatchesPods;
    if (ipb !== undefined && ipb !== 'true' && ipb !== 'false') throw badRequest('parameter "ipBlockMatchesPods" must be true or false.');
    const options = {
      crownJewels: list(q.crownJewels, 'crownJewels'),
      entries: list(q.entries, 'entries'),
      maxHops: int(q.maxHops, 'maxHops', 1, 12),
      maxPaths: int(q.maxPaths, 'maxPaths', 0, 500),
      engine: { ipBlockMatchesPods: ipb === 'true' },
      maxWorkloads: API_MAX_WORKLOADS,
    };
    try {
      res.json(computeRisk(state, options, providers.findings?.(state)));
    } catch (error) {
      if ((error as Error).name !== 'InputError') throw error;
      throw new HttpError(413, `netatlas/api: ${(error as Error).message.replace('(--max-workloads)', '(netatlas risk --max-workloads, from the command line)')}`);
    }
  });
  return r;
}
