/**
 * The done-when of "one projection": on the demo, for the same filters, the CLI's
 * `graph -o json`, the API's GET /api/v1/graph and the web map's shown graph hold the same node
 * keys, the same edge keys and the same counts. The web side runs the map's own code path: the
 * query it sends (graphQuery with filtersForServer), the conversion of the answer (toMapNode,
 * toMapEdge), then its filters (applyFilters) and its first folding (readableCollapse,
 * collapseGraph), as App.shownGraph does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Level } from '../../generator/model/index.ts';
import type { GraphJson } from '../../server/cli/graph.ts';
import type { GraphResponse } from '../../server/http/api-types.ts';
import { graphQuery } from '../../web/src/api.ts';
import { readableCollapse } from '../../web/src/state/aggregate.ts';
import { collapseGraph } from '../../web/src/state/collapse.ts';
import { applyFilters, EMPTY_FILTERS, filtersForServer, type Filters } from '../../web/src/state/filters.ts';
import { toMapEdge, toMapNode } from '../../web/src/state/graph-data.ts';
import { runCli } from './cli/run-cli.ts';
import { useDemoServer } from './http/demo-server.ts';

const DEMO = new URL('../../samples/demo', import.meta.url).pathname;

interface View {
  readonly nodes: string[];
  /** `key count` per edge, sorted. */
  readonly edges: string[];
}

const viewOf = (nodes: readonly { key: string }[], edges: readonly { key: string; count: number }[]): View => ({
  nodes: nodes.map((n) => n.key).sort(),
  edges: edges.map((e) => `${e.key} ${e.count}`).sort(),
});

/** The `netatlas graph` options for the web's filters. */
function cliArgs(level: Level, f: Filters): string[] {
  const args = ['graph', '--inventory', DEMO, '--flows', DEMO, '-o', 'json', '--level', level];
  if (f.clusters.length) args.push('--only-cluster', f.clusters.join(','));
  if (f.namespaces.length) args.push('--only-namespace', f.namespaces.join(','));
  if (f.verdicts.length) args.push('--verdict', f.verdicts.join(','));
  if (f.protocol) args.push('--protocol', f.protocol);
  if (f.port !== undefined) args.push('--port', String(f.port));
  if (f.hideInfra) args.push('--hide-infra');
  if (f.interClusterOnly) args.push('--inter-cluster');
  return args;
}

const server = useDemoServer();

async function apiView(level: Level, f: Filters): Promise<View> {
  const body = (await request(server().server).get(`/api/v1/graph?${graphQuery(level, f)}`).expect(200)).body as GraphResponse;
  return viewOf(body.nodes, body.edges);
}

async function cliView(level: Level, f: Filters): Promise<View> {
  const r = await runCli(...cliArgs(level, f));
  expect(r.status, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as GraphJson;
  return viewOf(json.nodes, json.edges.map((e) => ({ key: e.key, count: e.attributes.count })));
}

async function webView(level: Level, f: Filters): Promise<View> {
  const answer = (await request(server().server).get(`/api/v1/graph?${graphQuery(level, filtersForServer(level, f))}`).expect(200)).body as GraphResponse;
  const raw = { nodes: answer.nodes.map(toMapNode), edges: answer.edges.map(toMapEdge) };
  const shown = collapseGraph(applyFilters(raw, f, level), new Set(readableCollapse(raw.nodes)));
  return viewOf(shown.nodes, shown.edges);
}

const cases: Array<[string, Level, Filters]> = [
  ['everything at workload level', 'workload', EMPTY_FILTERS],
  ['everything at namespace level', 'namespace', EMPTY_FILTERS],
  ['everything at cluster level', 'cluster', EMPTY_FILTERS],
  ['everything at pod level', 'pod', EMPTY_FILTERS],
  ['infrastructure hidden at workload level', 'workload', { ...EMPTY_FILTERS, hideInfra: true }],
  ['infrastructure hidden at namespace level', 'namespace', { ...EMPTY_FILTERS, hideInfra: true }],
  ['infrastructure hidden at cluster level', 'cluster', { ...EMPTY_FILTERS, hideInfra: true }],
  ['infrastructure hidden at pod level', 'pod', { ...EMPTY_FILTERS, hideInfra: true }],
  ['one namespace at workload level', 'workload', { ...EMPTY_FILTERS, namespaces: ['payments'] }],
  ['one cluster-qualified namespace at namespace level', 'namespace', { ...EMPTY_FILTERS, namespaces: ['prod/boutique'] }],
  ['one namespace at cluster level', 'cluster', { ...EMPTY_FILTERS, namespaces: ['payments'] }],
  ['one cluster at workload level', 'workload', { ...EMPTY_FILTERS, clusters: ['dev'] }],
  ['dropped only at workload level', 'workload', { ...EMPTY_FILTERS, verdicts: ['DROPPED'] }],
  ['dropped only at namespace level', 'namespace', { ...EMPTY_FILTERS, verdicts: ['DROPPED'] }],
  ['inter-cluster only at workload level', 'workload', { ...EMPTY_FILTERS, interClusterOnly: true }],
  ['inter-cluster only at cluster level', 'cluster', { ...EMPTY_FILTERS, interClusterOnly: true }],
  ['one port at workload level', 'workload', { ...EMPTY_FILTERS, port: 8443 }],
  ['DNS (UDP 53) at namespace level', 'namespace', { ...EMPTY_FILTERS, protocol: 'UDP', port: 53 }],
  ['dropped, infrastructure hidden, in one namespace, at pod level', 'pod', { ...EMPTY_FILTERS, verdicts: ['DROPPED'], hideInfra: true, namespaces: ['boutique'] }],
];

afterEach(() => {
  process.exitCode = undefined;
});

describe('the CLI, the API and the web map show the same graph of the demo', () => {
  it.each(cases)('%s', async (_name, level, filters) => {
    const api = await apiView(level, filters);
    expect(api.edges.length, 'a case with no edge would agree trivially').toBeGreaterThan(0);
    expect(await cliView(level, filters)).toEqual(api);
    expect(await webView(level, filters)).toEqual(api);
  }, 30_000);

  it('the filters change what is shown (hiding infrastructure hides nodes, dropped-only keeps fewer edges)', async () => {
    const all = await apiView('workload', EMPTY_FILTERS);
    expect((await apiView('workload', { ...EMPTY_FILTERS, hideInfra: true })).nodes.length).toBeLessThan(all.nodes.length);
    expect((await apiView('workload', { ...EMPTY_FILTERS, verdicts: ['DROPPED'] })).edges.length).toBeLessThan(all.edges.length);
  });
});
