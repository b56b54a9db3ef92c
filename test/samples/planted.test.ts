import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ONLINE_BOUTIQUE_CALLS, PLANTED_DROPS, PLANTED_WOULD_BREAK, WORLD_CLIENTS } from '../../samples/lib/index.ts';
import { app, defaultDemo, dport, SHARED_DATA, type Json } from './fixtures.ts';

const flows = (cluster: string): Json[] => defaultDemo().flows.get(cluster)!.map((l) => l.flow);
const items = (cluster: string): Json[] => defaultDemo().inventory.get(cluster)!.items;
const requests = (fs: Json[]) => fs.filter((f) => f.is_reply === false);
const between = (fs: Json[], from: string, to: string, port: number) =>
  requests(fs).filter((f) => app(f.source) === from && app(f.destination) === to && dport(f) === port);

describe('planted findings in samples/demo', () => {
  it('drops exactly the planted prod connections, as POLICY_DENIED', () => {
    const dropped = new Set<string>();
    for (const cluster of ['dev', 'prod', 'finance']) {
      for (const f of flows(cluster).filter((x) => x.verdict === 'DROPPED')) {
        expect(cluster).toBe('prod');
        expect(f.drop_reason_desc).toBe('POLICY_DENIED');
        expect(f.traffic_direction).toBe('INGRESS');
        dropped.add(`${app(f.source)}->${app(f.destination)}:${dport(f)}`);
      }
    }
    expect([...dropped].sort()).toEqual(['adservice->redis-cart:6379', 'frontend->emailservice:8080', 'loadgenerator->checkoutservice:5050']);
    expect(PLANTED_DROPS.map(([a, b]) => `${a}->${b}`).sort()).toEqual(['adservice->redis-cart', 'frontend->emailservice', 'loadgenerator->checkoutservice']);
  });

  it('reports each drop with a policy-verdict event and a drop event (type 1, sub_type 133), and no reply', () => {
    const drops = between(flows('prod'), 'loadgenerator', 'checkoutservice', 5050).filter((f) => f.verdict === 'DROPPED');
    expect(drops.some((f) => f.event_type.type === 5)).toBe(true);
    expect(drops.some((f) => f.event_type.type === 1 && f.event_type.sub_type === 133 && f.drop_reason === 133)).toBe(true);
    const ports = new Set(drops.map((f) => f.l4.TCP.source_port));
    expect(flows('prod').some((f) => f.is_reply && ports.has(f.l4.TCP?.destination_port) && app(f.source) === 'checkoutservice')).toBe(false);
  });

  it('has exactly one would-break edge: prod recommendationservice -> cartservice 7070, forwarded', () => {
    const [from, to, port] = PLANTED_WOULD_BREAK;
    const seen = between(flows('prod'), from, to, port);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((f) => f.verdict === 'FORWARDED')).toBe(true);
    expect(seen.some((f) => f.trace_observation_point === 'TO_ENDPOINT' && f.traffic_direction === 'INGRESS')).toBe(true);
    // The prod policy for cartservice lets only frontend and checkoutservice in.
    const policy = items('prod').find((i) => i.kind === 'NetworkPolicy' && i.metadata.name === 'cartservice')!;
    const callers = policy.spec.ingress[0].from.map((p: Json) => p.podSelector.matchLabels.app);
    expect(callers).toEqual(['frontend', 'checkoutservice']);
    expect(callers).not.toContain(from);
    // No other forwarded boutique edge in prod lacks a caller rule.
    const allowed = new Set(ONLINE_BOUTIQUE_CALLS.map(([a, b]) => `${a}->${b}`));
    const boutique = requests(flows('prod')).filter((f) => f.verdict === 'FORWARDED' && f.trace_observation_point === 'TO_ENDPOINT'
      && f.source.namespace === 'boutique'
      && f.destination.namespace === 'boutique' && f.destination_service);
    const extra = new Set(boutique.map((f) => `${app(f.source)}->${f.destination_service.name}`).filter((e) => !allowed.has(e)));
    expect([...extra]).toEqual(['recommendationservice->cartservice']);
  });

  it('has the suspicious dev boutique/debug-shell -> finance payments/ledger 8443 flow, forwarded, seen by both clusters', () => {
    const pod = items('dev').find((i) => i.kind === 'Pod' && i.metadata.name === 'debug-shell')!;
    expect(pod.metadata.namespace).toBe('boutique');
    expect(pod.metadata.ownerReferences).toBeUndefined();
    const devSide = between(flows('dev'), 'debug-shell', 'ledger', 8443);
    const finSide = between(flows('finance'), 'debug-shell', 'ledger', 8443);
    expect(devSide.length).toBeGreaterThan(0);
    expect(finSide.length).toBeGreaterThan(0);
    for (const f of [...devSide, ...finSide]) expect(f.verdict).toBe('FORWARDED');
    expect(devSide[0].destination).toMatchObject({ cluster_name: 'finance' });
    expect(devSide[0].destination.labels).toContain('k8s:io.cilium.k8s.policy.cluster=finance');
    expect(devSide[0].destination.pod_name).toBeUndefined();
    expect(finSide[0].source.labels).toContain('k8s:io.cilium.k8s.policy.cluster=dev');
  });

  it('sends prod paymentservice to the finance ledger across the cluster mesh', () => {
    const seen = between(flows('prod'), 'paymentservice', 'ledger', 8443);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0].destination.cluster_name).toBe('finance');
    expect(seen[0].destination.identity >> 16).toBe(3);
    expect(between(flows('finance'), 'paymentservice', 'ledger', 8443).length).toBeGreaterThan(0);
  });

  it('exposes prod frontend to the world through the LoadBalancer frontend-external, with observed reserved:world traffic', () => {
    const lb = items('prod').filter((i) => i.kind === 'Service' && i.spec.type === 'LoadBalancer');
    expect(lb.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['boutique/frontend-external']);
    expect(lb[0].status.loadBalancer.ingress[0].ip).toBe('34.77.120.15');
    for (const cluster of ['dev', 'finance']) expect(items(cluster).some((i) => i.kind === 'Service' && i.spec.type !== 'ClusterIP')).toBe(false);
    const world = requests(flows('prod')).filter((f) => f.source.labels.includes('reserved:world'));
    expect(world.length).toBeGreaterThan(0);
    expect(world.every((f) => app(f.destination) === 'frontend' && dport(f) === 8080)).toBe(true);
    expect(world[0].destination_service).toEqual({ name: 'frontend-external', namespace: 'boutique' });
    expect(new Set(world.map((f) => f.IP.source))).toEqual(new Set(WORLD_CLIENTS));
  });

  it('calls the external payment gateway api.stripe.com on 443 as reserved:world with destination_names', () => {
    const out = requests(flows('prod')).filter((f) => f.destination.labels.includes('reserved:world'));
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((f) => app(f.source) === 'paymentservice' && dport(f) === 443 && f.IP.destination === '54.187.216.72')).toBe(true);
    expect(out[0].destination_names).toEqual(['api.stripe.com']);
  });

  it('leaves dev without NetworkPolicies and protects finance payments with a loose 10.0.0.0/8 allow on the ledger', () => {
    expect(items('dev').some((i) => i.kind === 'NetworkPolicy')).toBe(false);
    const fin = items('finance').filter((i) => i.kind === 'NetworkPolicy');
    expect(fin.map((p) => p.metadata.name).sort()).toEqual(['allow-dns', 'allow-monitoring', 'default-deny', 'ledger', 'postgres']);
    const ledger = fin.find((p) => p.metadata.name === 'ledger')!;
    expect(ledger.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 8443, protocol: 'TCP' }] }]);
  });

  it('reaches emailservice on its container port 8080 behind Service port 5000', () => {
    const seen = between(flows('prod'), 'checkoutservice', 'emailservice', 8080);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0].destination_service).toEqual({ name: 'emailservice', namespace: 'boutique' });
    expect(between(flows('prod'), 'checkoutservice', 'emailservice', 5000)).toHaveLength(0);
  });
});

describe('fidelity to Online Boutique (../shared/data/online-boutique)', () => {
  it('carries in prod the upstream NetworkPolicies, plus allow-monitoring and allow-dns', () => {
    const text = readFileSync(new URL('online-boutique/upstream-network-policies.yaml', SHARED_DATA), 'utf8');
    const upstream = parseAllDocuments(text).map((d) => d.toJSON() as Json).filter((d) => d?.kind === 'NetworkPolicy');
    const ours = new Map(items('prod').filter((i) => i.kind === 'NetworkPolicy').map((p) => [p.metadata.name, p]));
    expect(upstream.length).toBe(13);
    for (const u of upstream) expect(ours.get(u.metadata.name)?.spec, u.metadata.name).toEqual(u.spec);
    expect([...ours.keys()].sort()).toEqual([...upstream.map((u) => u.metadata.name), 'allow-dns', 'allow-monitoring'].sort());
    expect(ours.get('allow-monitoring')!.spec.ingress[0].ports).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
  });

  it('observes every call of the upstream call graph in dev and prod, on the container port', () => {
    const text = readFileSync(new URL('online-boutique/online-boutique-edges.txt', SHARED_DATA), 'utf8');
    const edges = [...text.matchAll(/^([a-z-]+) -> ([a-z-]+):(\d+) \((\d+)\)/gm)].map((m) => [m[1], m[2], Number(m[3]), Number(m[4])] as const);
    expect(edges.length).toBe(16);
    expect(ONLINE_BOUTIQUE_CALLS.map(([a, b, p]) => `${a}->${b}:${p}`).sort()).toEqual(edges.map(([a, b, p]) => `${a}->${b}:${p}`).sort());
    for (const cluster of ['dev', 'prod']) {
      for (const [from, to, , target] of edges) {
        const seen = between(flows(cluster), from, to, target).filter((f) => f.destination_service?.name === to);
        expect(seen.length, `${cluster}: ${from} -> ${to}:${target}`).toBeGreaterThan(0);
      }
    }
  });
});
