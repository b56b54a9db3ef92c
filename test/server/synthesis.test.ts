import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { GraphBuilder } from '../../server/graph/builder.ts';
import { ingest } from '../../server/graph/ingest.ts';
import { AppState } from '../../server/state/app-state.ts';
import { generateForSelection, groupPolicyFiles, policiesToYaml } from '../../server/synthesis.ts';
import { generateProvider } from '../../server/http/default-providers.ts';
import { parseGenerateRequest } from '../../server/http/routes/analysis.ts';
import { synthesizePolicies } from '../../generator/synthesis/index.ts';
import { DEMO_DIR, demoInput } from '../generator/synthesis/fixtures.ts';

async function demoState(): Promise<AppState> {
  const builder = new GraphBuilder();
  const result = await ingest({ inventoryPaths: [DEMO_DIR], flowPaths: [DEMO_DIR], builder });
  const state = new AppState({ builder });
  const inv = result.inventory!;
  for (const c of ['dev', 'prod', 'finance']) {
    state.inventories.set(c, {
      ...inv,
      clusters: inv.clusters.filter((x) => x.name === c), namespaces: inv.namespaces.filter((x) => x.cluster === c), pods: inv.pods.filter((x) => x.cluster === c),
      workloads: inv.workloads.filter((x) => x.cluster === c), services: inv.services.filter((x) => x.cluster === c),
      endpointSlices: inv.endpointSlices.filter((x) => x.cluster === c), nodes: inv.nodes.filter((x) => x.cluster === c),
      networkPolicies: inv.networkPolicies.filter((x) => x.cluster === c), adminNetworkPolicies: [],
    });
  }
  return state;
}

describe('server/synthesis', () => {
  it('writes YAML deterministically, one document per policy, grouped per cluster and namespace', async () => {
    const result = synthesizePolicies(await demoInput());
    const again = synthesizePolicies(await demoInput());
    expect(policiesToYaml(result.policies)).toBe(policiesToYaml(again.policies));
    const cilium = policiesToYaml(synthesizePolicies(await demoInput(), { format: 'cilium' }).policies);
    // Plain YAML: shared objects are written out, never as anchors and aliases.
    expect(cilium).not.toMatch(/[&*]a\d+/);
    const files = groupPolicyFiles(result.policies);
    expect([...files.keys()]).toContain('prod/boutique.yaml');
    const docs = parseAllDocuments(files.get('finance/payments.yaml')!).map((d) => d.toJS());
    expect(docs.map((d) => d.metadata.name)).toEqual(['ledger-netatlas', 'postgres-netatlas']);
  });

  it('generates for selected workloads from the server state, with the proof', async () => {
    const state = await demoState();
    const out = generateForSelection(state, ['wl:prod/boutique/Deployment/emailservice']);
    const docs = parseAllDocuments(out.yaml).map((d) => d.toJS());
    expect(docs.map((d) => d.metadata.name)).toEqual(['emailservice-netatlas']);
    expect(out.proof.broken).toBe(0);
    expect(out.report).toContain('broken: 0');
  });

  it('answers POST /api/v1/generate for a namespace key', async () => {
    const state = await demoState();
    const res = generateProvider(state, { selection: { nodes: ['ns:finance/payments'] } });
    expect(res.policies).toBe(2);
    expect(res.yaml).toContain('name: ledger-netatlas');
    expect(res.warnings.some((w) => w.startsWith('broken'))).toBe(false);
  });

  it.each([
    ['networkpolicy', 'kind: NetworkPolicy'],
    ['cilium', 'kind: CiliumNetworkPolicy'],
    ['calico-staged', 'kind: StagedKubernetesNetworkPolicy'],
  ] as const)('writes the %s format when POST /api/v1/generate asks for it', async (format, kind) => {
    const state = await demoState();
    const res = generateProvider(state, { selection: { nodes: ['ns:finance/payments'] }, format });
    expect(res.policies).toBe(2);
    expect(res.yaml).toContain(kind);
  });

  it.each([
    [{ selection: {}, format: 'cilium' }, { selection: {}, format: 'cilium' }],
    [{ selection: {} }, { selection: {} }],
  ])('accepts a generate body with an optional format (%j)', (body, parsed) => {
    expect(parseGenerateRequest(body)).toEqual(parsed);
  });

  it('rejects an unknown generate format, naming the choices', () => {
    expect(() => parseGenerateRequest({ selection: {}, format: 'yaml' })).toThrow(/"format" must be one of networkpolicy, cilium, calico-staged/);
  });
});
