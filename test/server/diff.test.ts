/**
 * The server's entry points for GET /api/v1/diff and GET /api/v1/findings, on the demo
 * loaded into an AppState as `netatlas serve` would (one inventory per cluster).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import request from 'supertest';
import { computeDiff, computeFindings, remediationLookup } from '../../server/diff.ts';
import { diffProvider, findingsProvider } from '../../server/http/default-providers.ts';
import { createApp } from '../../server/http/app.ts';
import { GraphBuilder } from '../../server/graph/builder.ts';
import { ingest } from '../../server/graph/ingest.ts';
import { AppState } from '../../server/state/app-state.ts';
import type { Inventory } from '../../generator/model/index.ts';
import { DEMO_DIR } from '../generator/diff/fixtures.ts';

let state: AppState;
let inventory: Inventory;

beforeAll(async () => {
  const builder = new GraphBuilder();
  const result = await ingest({ inventoryPaths: [DEMO_DIR], flowPaths: [DEMO_DIR], builder });
  state = new AppState({ builder });
  inventory = result.inventory!;
  for (const c of ['dev', 'prod', 'finance']) {
    const mine = <T extends { cluster: string }>(l: readonly T[]): T[] => l.filter((x) => x.cluster === c);
    state.inventories.set(c, {
      clusters: inventory.clusters.filter((x) => x.name === c), namespaces: mine(inventory.namespaces), pods: mine(inventory.pods),
      workloads: mine(inventory.workloads), services: mine(inventory.services), endpointSlices: mine(inventory.endpointSlices),
      nodes: mine(inventory.nodes), networkPolicies: mine(inventory.networkPolicies), adminNetworkPolicies: [],
    });
  }
});

describe('computeDiff and computeFindings', () => {
  it('diff the server state against the snapshot policies', () => {
    const report = computeDiff(state, { remediation: false });
    expect(report.intended).toBe("the snapshot's own policies");
    expect(report.diff.observed.length).toBe(161);
    expect(report.diff.observed.some((r) => r.class === 'would-break' && r.source.endsWith('/recommendationservice'))).toBe(true);
    expect(report.risk.findings.every((f) => f.remediation === undefined)).toBe(true);
  });

  it('give findings with a score for every cluster, namespace, workload and pod', () => {
    const risk = computeFindings(state);
    const keys = new Set(risk.scores.map((s) => s.key));
    for (const p of inventory.pods) expect(keys.has(`pod:${p.cluster}/${p.namespace}/${p.name}`)).toBe(true);
    expect(keys.has('cluster:finance')).toBe(true);
    expect(risk.scores.find((s) => s.key === 'ns:dev/boutique')!.worst).toBe('high');
    const f = risk.findings.find((x) => x.id === 'unprotected:ns:dev/boutique')!;
    expect(f.remediation).toBeDefined();
  });
});

describe('remediationLookup', () => {
  it('returns the generated policy of a workload, and the whole namespace with its default deny', () => {
    const edges: never[] = [];
    const lookup = remediationLookup(inventory, edges);
    const one = parseAllDocuments(lookup('wl:dev/boutique/Deployment/frontend')!).map((d) => d.toJS());
    expect(one.map((d) => d.metadata.name)).toHaveLength(1);
    expect(one[0].spec.podSelector.matchLabels).toEqual({ app: 'frontend' });
    const ns = parseAllDocuments(lookup('ns:dev/boutique')!).map((d) => d.toJS());
    expect(ns.length).toBe(14);
    expect(ns.some((d) => d.spec.podSelector && Object.keys(d.spec.podSelector).length === 0)).toBe(true);
    expect(lookup('ns:dev/nowhere')).toBeUndefined();
  });
});

describe('the API providers', () => {
  it('answer GET /api/v1/findings and /api/v1/diff in the API shapes', async () => {
    const app = createApp({ state, rateLimit: false, providers: { findings: findingsProvider, diff: diffProvider } });
    const f = await request(app).get('/api/v1/findings').expect(200);
    const unprotected = f.body.findings.find((x: { id: string }) => x.id === 'unprotected:ns:dev/boutique');
    expect(unprotected).toMatchObject({ severity: 'high', code: 'unprotected', subjects: expect.arrayContaining(['ns:dev/boutique', 'wl:dev/boutique/Pod/debug-shell']) });
    const d = await request(app).get('/api/v1/diff').expect(200);
    expect(d.body.items.filter((i: { kind: string }) => i.kind === 'unused')).toHaveLength(100);
    expect(d.body.items.some((i: { kind: string; subjects: string[] }) => i.kind === 'would-break' && i.subjects.includes('wl:prod/boutique/Deployment/cartservice'))).toBe(true);
    expect(d.body.summary.allowed + d.body.summary['would-break'] + d.body.summary.blocked).toBe(161);
  });
});

describe('remediation of findings', () => {
  it('never allows the flow behind the finding it remedies', () => {
    const { findings } = computeFindings(state);
    const cross = findings.filter((f) => f.kind === 'cross-environment');
    expect(cross.length).toBeGreaterThan(0);
    for (const f of cross) {
      expect(f.remediation, f.id).toBeDefined();
      const docs = parseAllDocuments(f.remediation!).map((d) => d.toJS());
      // debug-shell's policy: no egress rule on the ledger's port 8443 (the flagged flow).
      const egressPorts = docs.flatMap((d) => (d.spec.egress ?? []).flatMap((r: { ports?: { port: number }[] }) => (r.ports ?? []).map((p) => p.port)));
      expect(egressPorts, f.id).not.toContain(8443);
    }
  });
});
