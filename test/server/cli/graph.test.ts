import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.ts';
import type { GraphJson } from '../../../server/cli/graph.ts';
import { loadInventoryPaths } from '../../../server/inventory/index.ts';
import { buildOwnerIndex, resolveOwnerWorkload } from '../../../server/graph/owners.ts';
import { workloadKey } from '../../../generator/model/index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEMO = `${ROOT}samples/demo`;
const HUBBLE_10 = fileURLToPath(new URL('../../../../shared/data/hubble/hubble-otel-basic-sample-10-flows.json', import.meta.url));

/** The shared in-process runner (run-cli.ts), with this file's field names. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCli(...argv);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('netatlas graph', () => {
  it('prints a summary of a Hubble capture', async () => {
    const r = await run(['graph', '--flows', HUBBLE_10]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^clusters: /);
    expect(r.stdout).toMatch(/edges: \d+ workload-level/);
  });

  it('refuses to run without any input', async () => {
    const r = await run(['graph']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--inventory PATH');
  });

  it('refuses an invalid cluster name', async () => {
    const r = await run(['graph', '--flows', HUBBLE_10, '--cluster', 'a/b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a valid cluster name');
  });

  it.each([
    [['--port', '0'], '--port "0" is not a port'],
    [['--port', '9000-8000'], '--port "9000-8000" is not a port'],
    [['--verdict', 'BLOCKED'], '--verdict "BLOCKED" is not a verdict'],
    [['--protocol', 'http'], '--protocol "http" is not a protocol'],
    [['--only-cluster', 'a/b'], '--only-cluster "a/b" is not a cluster name'],
  ])('refuses a bad filter %j, naming the option', async (flags, message) => {
    const r = await run(['graph', '--flows', HUBBLE_10, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('prints the graph at the level asked for as JSON', async () => {
    const r = await run(['graph', '--flows', HUBBLE_10, '-o', 'json', '--level', 'namespace']);
    const g = JSON.parse(r.stdout) as GraphJson;
    expect(g.level).toBe('namespace');
    expect(g.ingest.lines).toBe(10);
    expect(g.edges.every((e) => !e.source.startsWith('wl:') && !e.target.startsWith('wl:'))).toBe(true);
  });

  it('reports a flow file of unknown format on stderr with exit code 2', async () => {
    const r = await run(['graph', '--flows', `${ROOT}package.json`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown flow format/);
  });
});

describe.skipIf(!existsSync(DEMO))('netatlas graph on the demo', () => {
  let json: GraphJson | undefined;
  async function demo(): Promise<GraphJson> {
    if (!json) {
      const r = await run(['graph', '--inventory', DEMO, '--flows', DEMO, '-o', 'json']);
      expect(r.code).toBe(0);
      json = JSON.parse(r.stdout) as GraphJson;
    }
    return json;
  }

  it('has no reply edges: no edge to an undeclared ephemeral port, no DNS server as a client', async () => {
    const g = await demo();
    const { inventory } = await loadInventoryPaths([DEMO]);
    const index = buildOwnerIndex(inventory.workloads);
    const listening = new Map<string, Set<number>>();
    for (const pod of inventory.pods) {
      const top = resolveOwnerWorkload(pod, index);
      const key = workloadKey(pod.cluster, pod.namespace, top.workloadKind, top.name);
      const ports = listening.get(key) ?? new Set<number>();
      for (const p of pod.ports) ports.add(p.containerPort);
      listening.set(key, ports);
    }
    expect(g.edges.length).toBeGreaterThan(50);
    let checked = 0;
    for (const e of g.edges) {
      expect(e.source, e.key).not.toMatch(/\/coredns$/);
      const ports = listening.get(e.target);
      if (!ports || ports.size === 0 || e.attributes.port === undefined) continue;
      // A reply edge would point at the client's ephemeral port, which no pod declares.
      // (Kubelet probes may hit undeclared low ports, e.g. CoreDNS health on 8080.)
      expect(ports.has(e.attributes.port) || e.attributes.port < 32768, e.key).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('marks the prod -> finance edge inter-cluster', async () => {
    const g = await demo();
    const cross = g.edges.find((e) => e.source === 'wl:prod/boutique/Deployment/paymentservice' && e.target.startsWith('wl:finance/'));
    expect(cross?.attributes.interCluster).toBe(true);
  });

  it('reaches emailservice on its target port 8080 through its Service port 5000', async () => {
    const g = await demo();
    const email = g.edges.find((e) => e.source === 'wl:prod/boutique/Deployment/checkoutservice' && e.target === 'wl:prod/boutique/Deployment/emailservice');
    expect(email?.attributes).toMatchObject({ protocol: 'TCP', port: 8080, service: 'svc:prod/boutique/emailservice', servicePort: 5000 });
  });

  it('keeps the same namespace and workload of dev and prod as two nodes', async () => {
    const keys = new Set((await demo()).nodes.map((n) => n.key));
    expect(keys).toContain('wl:dev/boutique/Deployment/frontend');
    expect(keys).toContain('wl:prod/boutique/Deployment/frontend');
  });
});
