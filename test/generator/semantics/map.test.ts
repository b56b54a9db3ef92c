import { describe, expect, it } from 'vitest';
import type { PodInfo } from '../../../generator/model/index.ts';
import { createEngine, formatConnectivityMap, topLevelOwner } from '../../../generator/semantics/index.ts';
import { adminRule, anp, banp, fromPods, node, np, ns, nsPeer, pod, rule, sel, snapshot, tcp } from './builders.ts';

const lines = (rows: { src: string; dst: string; conn: string }[]): string[] => rows.map((r) => `${r.src} => ${r.dst} : ${r.conn}`);

describe('top-level owners', () => {
  it.each([
    [{ name: 'web-7d9f8-abcde', labels: { 'pod-template-hash': '7d9f8' }, owner: { kind: 'ReplicaSet', name: 'web-7d9f8' } }, 'Deployment', 'web'],
    [{ name: 'web-7d9f8c6b5-x', labels: {}, owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' } }, 'Deployment', 'web'],
    [{ name: 'rs-x', labels: { 'pod-template-hash': 'zzz' }, owner: { kind: 'ReplicaSet', name: 'standalone' } }, 'ReplicaSet', 'standalone'],
    [{ name: 'backup-28-abc', labels: {}, owner: { kind: 'Job', name: 'backup-28' } }, 'Job', 'backup-28'],
    [{ name: 'db-0', labels: {}, owner: { kind: 'StatefulSet', name: 'db' } }, 'StatefulSet', 'db'],
    [{ name: 'lonely', labels: {} }, 'Pod', 'lonely'],
    [{ name: 'odd', labels: {}, owner: { kind: 'Node', name: 'n1' } }, 'Pod', 'odd'],
  ] as const)('resolves %j to %s %s', (p, kind, name) => {
    expect(topLevelOwner(p as Pick<PodInfo, 'name' | 'owner' | 'labels'>)).toEqual({ kind, name });
  });
});

describe('the workload-level connectivity map', () => {
  const replica = (name: string, i: number, labels: Record<string, string>, namespace = 'shop'): PodInfo =>
    pod(namespace, `${name}-5f6d7-${i}`, { ...labels, 'pod-template-hash': '5f6d7' }, { owner: { kind: 'ReplicaSet', name: `${name}-5f6d7` }, ports: [tcp(8080, 'http')] });
  const pods = [replica('web', 1, { app: 'web' }), replica('web', 2, { app: 'web' }), replica('api', 1, { app: 'api' }), pod('shop', 'debug', { app: 'debug' })];
  const denyAll = np('shop', 'deny', { policyTypes: ['Ingress', 'Egress'] });

  it('groups replicas into their Deployment and omits self pairs', () => {
    const engine = createEngine(snapshot({ namespaces: [ns('shop')], pods, networkPolicies: [denyAll, np('shop', 'web', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] })] }));
    const out = lines(engine.connectivityMap());
    expect(out).toContain('shop/api[Deployment] => shop/web[Deployment] : All Connections');
    expect(out).toContain('shop/debug[Pod] => shop/web[Deployment] : All Connections');
    expect(out.some((l) => l.startsWith('shop/web[Deployment] => shop/web[Deployment]'))).toBe(false);
  });

  it('splits external IPv4 space at every CIDR the policies mention', () => {
    const engine = createEngine(snapshot({
      namespaces: [ns('shop')], pods,
      networkPolicies: [np('shop', 'in', { podSelector: sel({ app: 'web' }), ingress: [rule([{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], [{ port: 8080 }])] })],
    }));
    const fromRanges = lines(engine.connectivityMap()).filter((l) => /^\d/.test(l) && l.includes('web'));
    expect(fromRanges).toEqual([
      '0.0.0.0-9.255.255.255 => shop/web[Deployment] : No Connections',
      '10.0.0.0-10.0.255.255 => shop/web[Deployment] : TCP 8080',
      '10.1.0.0-10.1.255.255 => shop/web[Deployment] : No Connections',
      '10.2.0.0-10.255.255.255 => shop/web[Deployment] : TCP 8080',
      '11.0.0.0-255.255.255.255 => shop/web[Deployment] : No Connections',
    ].filter((l) => !l.endsWith('No Connections')));
    expect(engine.externalRanges()).toHaveLength(5);
  });

  it('omits pairs with no connection', () => {
    const engine = createEngine(snapshot({ namespaces: [ns('shop')], pods, networkPolicies: [denyAll] }));
    expect(engine.connectivityMap()).toEqual([]);
  });

  it('unions the connections of a workload whose pods differ', () => {
    const a = { ...replica('web', 1, { app: 'web', canary: 'yes' }) };
    const b = { ...replica('web', 2, { app: 'web' }) };
    const engine = createEngine(snapshot({
      namespaces: [ns('shop')], pods: [a, b, replica('api', 1, { app: 'api' })],
      networkPolicies: [
        np('shop', 'canary', { podSelector: sel({ canary: 'yes' }), ingress: [rule([fromPods({ app: 'api' })], [{ port: 1 }])] }),
        np('shop', 'stable', { podSelector: { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, ingress: [rule([fromPods({ app: 'api' })], [{ port: 2 }])] }),
      ],
    }));
    expect(lines(engine.connectivityMap()).filter((l) => l.startsWith('shop/api'))).toContain('shop/api[Deployment] => shop/web[Deployment] : TCP 1-2');
  });

  it('prefixes peers with their cluster when the snapshot spans several clusters', () => {
    const other = { ...pod('shop', 'x', { app: 'x' }), cluster: 'c2' };
    const engine = createEngine(snapshot({ pods: [pod('shop', 'y'), other] }));
    expect(lines(engine.connectivityMap())).toContain('c1/shop/y[Pod] => c2/shop/x[Pod] : All Connections');
  });

  it('prints csv and markdown with the same strings', () => {
    const rows = [{ src: 'a/b[Pod]', dst: '0.0.0.0-255.255.255.255', conn: 'TCP 80,UDP 53' }];
    const full = rows.map((r) => ({ ...r, srcPeer: { kind: 'range' as const, start: 0, end: 0 }, dstPeer: { kind: 'range' as const, start: 0, end: 0 }, connections: undefined as never }));
    expect(formatConnectivityMap(full, 'csv')).toBe('src,dst,conn\na/b[Pod],0.0.0.0-255.255.255.255,"TCP 80,UDP 53"\n');
    expect(formatConnectivityMap(full, 'md')).toContain('| a/b[Pod] | 0.0.0.0-255.255.255.255 | TCP 80,UDP 53 |');
    expect(formatConnectivityMap(full, 'txt')).toBe('a/b[Pod] => 0.0.0.0-255.255.255.255 : TCP 80,UDP 53\n');
  });
});

describe('explanations and policiesSelecting', () => {
  const web = pod('shop', 'web', { app: 'web' }, { nodeName: 'n1', ips: ['10.0.0.1'] });
  const db = pod('data', 'db', { app: 'db' }, { nodeName: 'n1', ips: ['10.0.0.2'] });
  const namespaces = [ns('shop', { team: 'shop' }), ns('data', { team: 'data' })];

  it('names the ANP rule that denied a connection, after a Pass in a higher-priority ANP', () => {
    const engine = createEngine(snapshot({
      namespaces, pods: [web, db],
      adminNetworkPolicies: [anp('first', 1, { ingress: [adminRule('Pass', [nsPeer({ team: 'nobody' })])] }), anp('block', 5, { subject: { namespaces: sel({ team: 'data' }) }, ingress: [adminRule('Deny', [nsPeer({ team: 'shop' })], undefined, 'no-shop')] })],
    }));
    const v = engine.evaluate({ src: { kind: 'pod', pod: web }, dst: { kind: 'pod', pod: db }, protocol: 'TCP', port: 5432 });
    expect(v.allowed).toBe(false);
    expect(v.ingress.decidedBy).toBe('AdminNetworkPolicy');
    expect(v.ingress.matchedRules.map((r) => r.policy)).toEqual(['c1/AdminNetworkPolicy/block']);
    expect(v.explanation).toContain('ingress of data/db: ingress denied by AdminNetworkPolicy block (priority 5) ingress[0] "no-shop": Deny');
  });

  it('says when the BANP decided and when nothing did', () => {
    const engine = createEngine(snapshot({ namespaces, pods: [web, db], adminNetworkPolicies: [banp({ subject: { namespaces: sel({ team: 'data' }) }, ingress: [adminRule('Deny', [nsPeer()])] })] }));
    const toDb = engine.evaluate({ src: { kind: 'pod', pod: web }, dst: { kind: 'pod', pod: db }, protocol: 'UDP', port: 53 });
    expect(toDb.ingress.decidedBy).toBe('BaselineAdminNetworkPolicy');
    const toWeb = engine.evaluate({ src: { kind: 'pod', pod: db }, dst: { kind: 'pod', pod: web }, protocol: 'UDP', port: 53 });
    expect(toWeb.ingress.decidedBy).toBe('default');
    expect(toWeb.allowed).toBe(true);
  });

  it('explains node traffic and traffic from addresses', () => {
    const engine = createEngine(snapshot({ namespaces, pods: [web, db], nodes: [node('n1', ['192.168.0.1'])], networkPolicies: [np('data', 'closed')] }));
    const fromNode = engine.evaluate({ src: { kind: 'ip', ip: '192.168.0.1' }, dst: { kind: 'pod', pod: db }, protocol: 'TCP', port: 10250 });
    expect(fromNode.allowed).toBe(true);
    expect(fromNode.ingress.decidedBy).toBe('node');
    expect(fromNode.egress.decidedBy).toBe('not-subject');
  });

  it('lists the policies selecting a pod in evaluation order, saying which isolate the direction', () => {
    const engine = createEngine(snapshot({
      namespaces, pods: [web, db],
      networkPolicies: [np('data', 'in-only', { policyTypes: ['Ingress'] }), np('data', 'other', { podSelector: sel({ app: 'x' }) })],
      adminNetworkPolicies: [anp('a', 3), banp()],
    }));
    expect(engine.policiesSelecting(db, 'egress').map((p) => [p.policy, p.isolates])).toEqual([
      ['c1/AdminNetworkPolicy/a', false],
      ['c1/data/NetworkPolicy/in-only', false],
      ['c1/BaselineAdminNetworkPolicy/default', false],
    ]);
    expect(engine.policiesSelecting(db, 'ingress').find((p) => p.name === 'in-only')?.isolates).toBe(true);
  });
});
