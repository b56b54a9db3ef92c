/**
 * Calico NetworkPolicy, GlobalNetworkPolicy and tiers (projectcalico.org/v3) at L3/L4, one table
 * per rule of Calico's documentation (NetworkPolicy and GlobalNetworkPolicy resources, Tier,
 * "Get started with policy tiers"), with the documentation's examples among the rows.
 */
import { describe, expect, it } from 'vitest';
import type { CalicoNetworkSetInfo, CalicoPolicyInfo, CalicoTierInfo, NetworkPolicyInfo, PodInfo } from '../../../generator/model/index.ts';
import { engineFor as diffEngineFor, withStagedPolicies } from '../../../generator/diff/index.ts';
import { emptyInventory } from '../../../generator/model/index.ts';
import { createEngine, formatVerdict, type Peer } from '../../../generator/semantics/index.ts';
import { anp, adminRule, calico, calicoRule, calicoTier, cilium, np, ns, nsPeer, pod, rule, snapshot, tcp } from './builders.ts';

const frontend = pod('shop', 'frontend', { role: 'frontend' }, { ips: ['10.0.0.1'], serviceAccount: 'web' });
const backend = pod('shop', 'backend', { role: 'backend' }, { ips: ['10.0.0.2'], ports: [tcp(80, 'http'), tcp(81)] });
const database = pod('shop', 'database', { role: 'database' }, { ips: ['10.0.0.3'], ports: [tcp(6379)] });
const tool = pod('ops', 'tool', { role: 'frontend' }, { ips: ['10.0.1.3'] });
const namespaces = [ns('shop', { team: 'shop' }), ns('ops', { team: 'ops' })];
const P = (p: PodInfo): Peer => ({ kind: 'pod', pod: p });
const IP = (ip: string): Peer => ({ kind: 'ip', ip });
const tcpRule = (action: 'Allow' | 'Deny' | 'Pass' | 'Log', source: CalicoPolicyInfo['ingress'][number]['source'], ports?: number[]) =>
  calicoRule(action, { protocol: 'TCP', ...(source ? { source } : {}), ...(ports ? { destination: { ports: ports.map((p) => ({ start: p, end: p })) } } : {}) });

interface Row {
  name: string;
  policies: CalicoPolicyInfo[];
  tiers?: CalicoTierInfo[];
  networkPolicies?: NetworkPolicyInfo[];
  src: Peer;
  dst: Peer;
  expect: string;
}

function engineFor(r: Pick<Row, 'policies' | 'tiers' | 'networkPolicies'>) {
  return createEngine(snapshot({ namespaces, pods: [frontend, backend, database, tool], networkPolicies: r.networkPolicies ?? [], calicoPolicies: r.policies, calicoTiers: r.tiers ?? [] }));
}

function runTable(rows: Row[]): void {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const engine = engineFor(r);
    expect(engine.validation.errors.map((e) => e.message)).toEqual([]);
    expect(engine.allowedConnections(r.src, r.dst).toString()).toBe(r.expect);
  });
}

const dbPolicy = (rules: CalicoPolicyInfo['ingress'], more: Partial<CalicoPolicyInfo> = {}): CalicoPolicyInfo =>
  calico('allow-tcp-6379', { selector: "role == 'database'", types: ['Ingress'], ingress: rules, ...more }, 'shop');

describe('selection and the end-of-tier deny', () => {
  runTable([
    { name: 'the docs\' allow-tcp-6379: frontend reaches the database on 6379', policies: [dbPolicy([tcpRule('Allow', { selector: "role == 'frontend'" }, [6379])])], src: P(frontend), dst: P(database), expect: 'TCP 6379' },
    { name: 'the docs\' allow-tcp-6379: the backend, matched by no rule, meets the end-of-tier deny', policies: [dbPolicy([tcpRule('Allow', { selector: "role == 'frontend'" }, [6379])])], src: P(backend), dst: P(database), expect: 'No Connections' },
    { name: 'a pod no policy selects is allowed everything (the profile)', policies: [dbPolicy([])], src: P(frontend), dst: P(backend), expect: 'All Connections' },
    { name: 'a namespaced policy\'s rule selector matches its own namespace only', policies: [dbPolicy([tcpRule('Allow', { selector: "role == 'frontend'" })])], src: P(tool), dst: P(database), expect: 'No Connections' },
    { name: 'namespaceSelector reaches other namespaces', policies: [dbPolicy([tcpRule('Allow', { selector: "role == 'frontend'", namespaceSelector: "team == 'ops'" })])], src: P(tool), dst: P(database), expect: 'TCP 1-65535' },
    { name: 'namespaceSelector sees projectcalico.org/name', policies: [dbPolicy([tcpRule('Allow', { namespaceSelector: "projectcalico.org/name == 'ops'" })])], src: P(tool), dst: P(database), expect: 'TCP 1-65535' },
    { name: 'a global policy\'s rule selector matches every namespace', policies: [calico('g', { selector: "role == 'database'", ingress: [calicoRule('Allow', { source: { selector: "role == 'frontend'" } })] })], src: P(tool), dst: P(database), expect: 'All Connections' },
    { name: 'a global policy\'s namespaceSelector limits the endpoints it applies to', policies: [calico('g', { selector: 'all()', namespaceSelector: "team == 'ops'", ingress: [] })], src: P(frontend), dst: P(database), expect: 'All Connections' },
    { name: 'types: [Egress] leaves ingress alone', policies: [dbPolicy([], { types: ['Egress'] })], src: P(frontend), dst: P(database), expect: 'All Connections' },
    { name: 'without types, egress rules only make an egress policy', policies: [calico('e', { selector: "role == 'frontend'", egress: [calicoRule('Allow', { protocol: 'UDP', destination: { ports: [{ start: 53, end: 53 }] } })] }, 'shop')], src: P(frontend), dst: P(database), expect: 'UDP 53' },
    { name: 'without types and rules the policy isolates ingress', policies: [calico('deny-all', { selector: 'all()' }, 'shop')], src: P(tool), dst: P(backend), expect: 'No Connections' },
    { name: 'the endpoint carries projectcalico.org/serviceaccount', policies: [dbPolicy([calicoRule('Allow', { source: { selector: "projectcalico.org/serviceaccount == 'web'" } })])], src: P(frontend), dst: P(database), expect: 'All Connections' },
    { name: 'serviceAccounts.names matches the peer\'s service account', policies: [dbPolicy([calicoRule('Allow', { source: { serviceAccounts: { names: ['web'] } } })])], src: P(backend), dst: P(database), expect: 'No Connections' },
    { name: 'serviceAccountSelector limits the subjects', policies: [calico('sa', { selector: 'all()', serviceAccountSelector: "projectcalico.org/name == 'web'" }, 'shop')], src: P(tool), dst: P(frontend), expect: 'No Connections' },
    { name: 'serviceAccountSelector leaves other service accounts alone', policies: [calico('sa', { selector: 'all()', serviceAccountSelector: "projectcalico.org/name == 'web'" }, 'shop')], src: P(tool), dst: P(backend), expect: 'All Connections' },
    { name: 'namespace labels are on the endpoint as pcns.*', policies: [dbPolicy([calicoRule('Allow', { source: { selector: "pcns.team == 'ops'", namespaceSelector: 'all()' } })])], src: P(tool), dst: P(database), expect: 'All Connections' },
    { name: 'notSelector excludes the endpoints it selects', policies: [dbPolicy([calicoRule('Allow', { source: { notSelector: "role == 'frontend'" } })])], src: P(frontend), dst: P(database), expect: 'No Connections' },
  ]);
});

describe('actions and order within a tier: the first matching rule decides', () => {
  runTable([
    { name: 'Deny before Allow denies', policies: [dbPolicy([tcpRule('Deny', { selector: "role == 'frontend'" }), calicoRule('Allow')])], src: P(frontend), dst: P(database), expect: 'SCTP 1-65535,UDP 1-65535' },
    { name: 'Allow before Deny allows', policies: [dbPolicy([calicoRule('Allow'), tcpRule('Deny', { selector: "role == 'frontend'" })])], src: P(frontend), dst: P(database), expect: 'All Connections' },
    { name: 'Log goes on to the next rule', policies: [dbPolicy([calicoRule('Log'), tcpRule('Allow', undefined, [6379])])], src: P(frontend), dst: P(database), expect: 'TCP 6379' },
    {
      name: 'a lower order comes first',
      policies: [dbPolicy([calicoRule('Allow')], { order: 200 }), calico('deny-first', { selector: "role == 'database'", order: 100, ingress: [calicoRule('Deny')] }, 'shop')],
      src: P(frontend), dst: P(database), expect: 'No Connections',
    },
    {
      name: 'a policy without order comes after every ordered one',
      policies: [dbPolicy([calicoRule('Allow')]), calico('deny-ordered', { selector: "role == 'database'", order: 5000, ingress: [calicoRule('Deny')] }, 'shop')],
      src: P(frontend), dst: P(database), expect: 'No Connections',
    },
    { name: 'destination ports: a:b ranges', policies: [dbPolicy([calicoRule('Allow', { protocol: 'TCP', destination: { ports: [{ start: 6000, end: 6100 }] } })])], src: P(frontend), dst: P(database), expect: 'TCP 6000-6100' },
    { name: 'destination ports: named ports resolve on the destination', policies: [calico('web', { selector: "role == 'backend'", ingress: [calicoRule('Allow', { protocol: 'TCP', destination: { ports: [{ name: 'http' }] } })] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'TCP 80' },
    { name: 'notPorts take ports away', policies: [dbPolicy([calicoRule('Allow', { protocol: 'TCP', destination: { notPorts: [{ start: 1, end: 1000 }] } })])], src: P(frontend), dst: P(database), expect: 'TCP 1001-65535' },
    { name: 'a protocol outside TCP/UDP/SCTP matches no connection', policies: [dbPolicy([calicoRule('Allow', { otherProtocol: 'ICMP' })])], src: P(frontend), dst: P(database), expect: 'No Connections' },
  ]);
});

describe('nets and notNets', () => {
  const egress = (rules: CalicoPolicyInfo['egress']): CalicoPolicyInfo => calico('out', { selector: "role == 'frontend'", types: ['Egress'], egress: rules }, 'shop');
  runTable([
    { name: 'nets allow an outside address', policies: [egress([calicoRule('Allow', { destination: { nets: ['203.0.113.0/24'] } })])], src: P(frontend), dst: IP('203.0.113.9'), expect: 'All Connections' },
    { name: 'nets do not reach other addresses', policies: [egress([calicoRule('Allow', { destination: { nets: ['203.0.113.0/24'] } })])], src: P(frontend), dst: IP('198.51.100.1'), expect: 'No Connections' },
    { name: 'nets match pod addresses too', policies: [egress([calicoRule('Allow', { destination: { nets: ['10.0.0.0/24'] } })])], src: P(frontend), dst: P(database), expect: 'All Connections' },
    { name: 'notNets excludes a range', policies: [egress([calicoRule('Allow', { destination: { notNets: ['10.0.0.0/8'] } })])], src: P(frontend), dst: P(database), expect: 'No Connections' },
    { name: 'notNets lets the rest through', policies: [egress([calicoRule('Allow', { destination: { notNets: ['10.0.0.0/8'] } })])], src: P(frontend), dst: IP('8.8.8.8'), expect: 'All Connections' },
    { name: 'a selector never matches an outside address', policies: [egress([calicoRule('Allow', { destination: { selector: 'all()' } })])], src: P(frontend), dst: IP('8.8.8.8'), expect: 'No Connections' },
  ]);
});

describe('tiers: order, Pass, end-of-tier deny, defaultAction', () => {
  const security = calicoTier('security', 100);
  const passAll = calico('security.pass', { tier: 'security', selector: 'all()', order: 1, types: ['Ingress'], ingress: [calicoRule('Pass')] });
  const denyFrontend = calico('security.deny', { tier: 'security', selector: "role == 'database'", order: 1, types: ['Ingress'], ingress: [calicoRule('Deny', { source: { selector: "role == 'frontend'" } })] });
  runTable([
    { name: 'a deny in an earlier tier wins over an allow in a later one', tiers: [security], policies: [denyFrontend, dbPolicy([calicoRule('Allow')])], src: P(frontend), dst: P(database), expect: 'No Connections' },
    { name: 'the earlier tier\'s end-of-tier deny stops traffic its rules do not match', tiers: [security], policies: [denyFrontend, dbPolicy([calicoRule('Allow')])], src: P(backend), dst: P(database), expect: 'No Connections' },
    { name: 'Pass goes on to the next tier', tiers: [security], policies: [passAll, dbPolicy([tcpRule('Allow', undefined, [6379])])], src: P(frontend), dst: P(database), expect: 'TCP 6379' },
    { name: 'Pass out of the last tier that applies reaches the profile (allow)', tiers: [security], policies: [passAll], src: P(frontend), dst: P(database), expect: 'All Connections' },
    { name: 'a tier with defaultAction Pass passes unmatched traffic on', tiers: [calicoTier('security', 100, 'Pass')], policies: [denyFrontend, dbPolicy([tcpRule('Allow', undefined, [6379])])], src: P(backend), dst: P(database), expect: 'TCP 6379' },
    {
      name: 'tiers are taken by order, not by name',
      tiers: [calicoTier('a-late', 500), calicoTier('z-early', 50)],
      policies: [calico('late', { tier: 'a-late', selector: 'all()', types: ['Ingress'], ingress: [calicoRule('Allow')] }), calico('early', { tier: 'z-early', selector: 'all()', types: ['Ingress'], ingress: [calicoRule('Deny')] })],
      src: P(frontend), dst: P(database), expect: 'No Connections',
    },
    { name: 'a tier that selects nothing is skipped', tiers: [security], policies: [calico('security.other', { tier: 'security', selector: "role == 'nobody'", ingress: [] }), dbPolicy([calicoRule('Allow')])], src: P(frontend), dst: P(database), expect: 'All Connections' },
  ]);
});

describe('Kubernetes NetworkPolicy in the default tier at order 1000', () => {
  const k8sAllowFrontend = np('shop', 'db', { podSelector: { matchLabels: { role: 'database' } }, policyTypes: ['Ingress'], ingress: [rule([{ podSelector: { matchLabels: { role: 'frontend' } } }])] });
  runTable([
    { name: 'a Calico Deny at order 100 comes before the NetworkPolicy\'s allow', networkPolicies: [k8sAllowFrontend], policies: [dbPolicy([calicoRule('Deny')], { order: 100 })], src: P(frontend), dst: P(database), expect: 'No Connections' },
    { name: 'a Calico Deny at order 2000 comes after the NetworkPolicy\'s allow', networkPolicies: [k8sAllowFrontend], policies: [dbPolicy([calicoRule('Deny')], { order: 2000 })], src: P(frontend), dst: P(database), expect: 'All Connections' },
    { name: 'what the NetworkPolicy does not allow meets the default tier\'s end-of-tier deny', networkPolicies: [k8sAllowFrontend], policies: [calico('unrelated', { selector: "role == 'nobody'" }, 'shop')], src: P(backend), dst: P(database), expect: 'No Connections' },
    { name: 'a Pass in an earlier tier reaches the NetworkPolicy', tiers: [calicoTier('security', 100)], networkPolicies: [k8sAllowFrontend], policies: [calico('p', { tier: 'security', selector: 'all()', types: ['Ingress'], ingress: [calicoRule('Pass')] })], src: P(frontend), dst: P(database), expect: 'All Connections' },
  ]);
});

describe('with the Admin tier and explanations', () => {
  it('an AdminNetworkPolicy Allow decides before Calico\'s tiers', () => {
    const engine = createEngine(snapshot({
      namespaces, pods: [frontend, database],
      adminNetworkPolicies: [anp('allow-shop', 10, { subject: { namespaces: {} }, ingress: [adminRule('Allow', [nsPeer({ team: 'shop' })])] })],
      calicoPolicies: [dbPolicy([calicoRule('Deny')])],
    }));
    expect(engine.allowedConnections(P(frontend), P(database)).toString()).toBe('All Connections');
  });

  it('explain names the Calico kind, tier, order and rule that decided', () => {
    const engine = engineFor({ tiers: [calicoTier('security', 100)], policies: [calico('block', { tier: 'security', selector: "role == 'database'", order: 10, types: ['Ingress'], ingress: [calicoRule('Log'), calicoRule('Deny')] })] });
    const text = formatVerdict(engine.evaluate({ src: P(frontend), dst: P(database), protocol: 'TCP', port: 6379 }));
    expect(text).toContain('DENIED');
    expect(text).toContain('CalicoGlobalNetworkPolicy block (tier security, order 10) ingress[0]: Log');
    expect(text).toContain('ingress denied by CalicoGlobalNetworkPolicy block (tier security, order 10) ingress[1]: Deny');
  });

  it('the connectivity map agrees with single queries under tiers and Pass', () => {
    const engine = engineFor({ tiers: [calicoTier('security', 100)], policies: [calico('p', { tier: 'security', selector: "role == 'database'", types: ['Ingress'], ingress: [calicoRule('Pass', { source: { selector: "role == 'frontend'" } })] }), dbPolicy([tcpRule('Allow', undefined, [6379])])] });
    const rows = engine.connectivityMap();
    const toDb = rows.filter((r) => r.dst === 'shop/database[Pod]').map((r) => `${r.src} ${r.conn}`);
    // Both frontends (shop and ops) are passed on to the default tier's 6379 allow; the backend meets the end-of-tier deny.
    expect(toDb).toEqual(['ops/tool[Pod] TCP 6379', 'shop/frontend[Pod] TCP 6379']);
    for (const src of [frontend, backend, tool]) {
      const fromMap = rows.find((r) => r.src === `${src.namespace}/${src.name}[Pod]` && r.dst === 'shop/database[Pod]')?.conn ?? 'No Connections';
      expect(fromMap).toBe(engine.allowedConnections(P(src), P(database)).toString());
    }
  });

  it('policiesSelecting lists the Calico policies with their kind', () => {
    const engine = engineFor({ policies: [dbPolicy([])] });
    expect(engine.policiesSelecting(database, 'ingress').map((p) => `${p.kind} ${p.name} ${p.isolates}`)).toEqual(['CalicoNetworkPolicy allow-tcp-6379 true']);
  });
});

describe('validation', () => {
  it('a bad selector is an error naming the field and column; the policy is left out', () => {
    const engine = engineFor({ policies: [dbPolicy([calicoRule('Allow', { source: { selector: "role = 'x'" } })])] });
    expect(engine.validation.errors.map((e) => e.message).join('\n')).toMatch(/spec\.ingress\[0\]\.source\.selector: selector "role = 'x'" at column 6/);
    expect(engine.allowedConnections(P(backend), P(database)).toString()).toBe('All Connections');
  });

  it('an unsupported field is a warning naming it, and its rule matches nothing', () => {
    const engine = engineFor({ policies: [dbPolicy([calicoRule('Allow', { unsupported: ['spec.ingress[0].http'] })])] });
    expect(engine.validation.warnings.map((w) => w.message).join('\n')).toContain('spec.ingress[0].http is not evaluated');
    expect(engine.allowedConnections(P(frontend), P(database)).toString()).toBe('No Connections');
  });

  it('a doNotTrack or preDNAT policy applies to host endpoints only: no pod, with a warning', () => {
    const engine = engineFor({ policies: [calico('raw', { selector: 'all()', hostEndpointsOnly: true, ingress: [calicoRule('Deny')] })] });
    expect(engine.allowedConnections(P(frontend), P(database)).toString()).toBe('All Connections');
    expect(engine.validation.warnings.map((w) => w.message).join('\n')).toContain('host endpoints only');
  });

  it('a tier without its Tier object is a warning', () => {
    const engine = engineFor({ policies: [calico('x', { tier: 'platform' })] });
    expect(engine.validation.warnings.map((w) => w.code)).toContain('unknown-tier');
  });
});

describe('diff evaluates the snapshot\'s Calico policies', () => {
  it('engineFor keeps the snapshot\'s Calico policies and tiers next to an intended NetworkPolicy set', () => {
    const inventory = { ...emptyInventory(), namespaces, pods: [frontend, database], calicoPolicies: [dbPolicy([calicoRule('Deny')], { order: 100 })] };
    const engine = diffEngineFor(inventory, { networkPolicies: [] });
    expect(engine.allowedConnections(P(frontend), P(database)).toString()).toBe('No Connections');
  });
});

describe('staged policies (what-if)', () => {
  const enforced = dbPolicy([calicoRule('Allow')], { order: 100 });
  const stagedDeny = { ...enforced, ingress: [calicoRule('Deny')] };
  const run = (stagedAction: 'Set' | 'Delete', extraNp: NetworkPolicyInfo[] = []): string => {
    const inventory = {
      ...emptyInventory(), namespaces, pods: [frontend, database], networkPolicies: extraNp, calicoPolicies: [enforced],
      stagedPolicies: [{ kind: 'StagedNetworkPolicy' as const, cluster: enforced.cluster, namespace: 'shop', name: enforced.name, stagedAction, policy: stagedDeny }],
    };
    return diffEngineFor(inventory, withStagedPolicies(inventory)).allowedConnections(P(frontend), P(database)).toString();
  };

  it('are not enforced by the engine', () => {
    const inventory = { ...emptyInventory(), namespaces, pods: [frontend, database], calicoPolicies: [enforced], stagedPolicies: [{ kind: 'StagedNetworkPolicy' as const, cluster: enforced.cluster, namespace: 'shop', name: enforced.name, stagedAction: 'Set' as const, policy: stagedDeny }] };
    expect(createEngine(inventory).allowedConnections(P(frontend), P(database)).toString()).toBe('All Connections');
  });

  it('stagedAction Set replaces the enforced policy of the same name', () => {
    expect(run('Set')).toBe('No Connections');
  });

  it('stagedAction Delete removes the enforced policy of the same name', () => {
    // Without the Calico allow, the NetworkPolicy that isolates the database decides (and allows nothing).
    expect(run('Delete', [np('shop', 'db', { podSelector: { matchLabels: { role: 'database' } }, policyTypes: ['Ingress'] })])).toBe('No Connections');
    expect(run('Delete')).toBe('All Connections');
  });
});

describe('Calico\'s reading is per cluster', () => {
  it('a Cilium cluster next to a Calico cluster keeps Cilium\'s allow rules', () => {
    const web = pod('shop', 'web', { app: 'web' }, { cluster: 'c2', ips: ['10.2.0.1'] });
    const api = pod('shop', 'api', { app: 'api' }, { cluster: 'c2', ips: ['10.2.0.2'] });
    const engine = createEngine(snapshot({
      namespaces: [...namespaces, ns('shop', {}, 'c2')], pods: [frontend, database, web, api],
      calicoPolicies: [dbPolicy([calicoRule('Deny')])],
      ciliumNetworkPolicies: [{ ...cilium('api', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ endpoints: [{ matchLabels: { app: 'web' } }] }] }, 'shop'), cluster: 'c2' }],
    }));
    expect(engine.allowedConnections(P(web), P(api)).toString()).toBe('All Connections');
    expect(engine.allowedConnections(P(frontend), P(database)).toString()).toBe('No Connections');
    expect(engine.validation.warnings.map((w) => w.code)).not.toContain('mixed-cni');
  });

  it('a cluster holding both Cilium and Calico policies is warned about', () => {
    const engine = engineFor({ policies: [dbPolicy([])] });
    const mixed = createEngine(snapshot({ namespaces, pods: [frontend, database], calicoPolicies: [dbPolicy([])], ciliumNetworkPolicies: [cilium('x', { endpointSelector: {} }, 'shop')] }));
    expect(engine.validation.warnings.map((w) => w.code)).not.toContain('mixed-cni');
    expect(mixed.validation.warnings.map((w) => w.code)).toContain('mixed-cni');
  });
});

describe('explanations under Calico', () => {
  it('the end-of-tier deny is the reason, not the Log and Pass rules on the way', () => {
    const engine = engineFor({
      tiers: [calicoTier('security', 100)],
      policies: [calico('pass-all', { tier: 'security', selector: 'all()', types: ['Ingress'], ingress: [calicoRule('Log'), calicoRule('Pass')] }), dbPolicy([tcpRule('Allow', undefined, [6379])])],
    });
    const denied = engine.evaluate({ src: P(frontend), dst: P(database), protocol: 'TCP', port: 80 });
    expect(denied.allowed).toBe(false);
    expect(denied.ingress.reason).toBe("ingress denied: shop/database is isolated for ingress by c1/CalicoGlobalNetworkPolicy/pass-all, c1/shop/CalicoNetworkPolicy/allow-tcp-6379 and no rule allows this connection (Calico's end-of-tier deny)");
    const allowed = engine.evaluate({ src: P(frontend), dst: P(database), protocol: 'TCP', port: 6379 });
    expect(allowed.ingress.reason).toBe('ingress allowed by CalicoNetworkPolicy shop/allow-tcp-6379 (tier default) ingress[0]: Allow');
  });
});

describe('NetworkSet and GlobalNetworkSet: selectors match the addresses of the sets they select', () => {
  // The docs' GlobalNetworkSet example: role external-database over two nets.
  const externalDb: CalicoNetworkSetInfo = { kind: 'CalicoGlobalNetworkSet', cluster: 'c1', name: 'external-database', labels: { role: 'external-database' }, nets: ['198.51.100.0/28', '203.0.113.0/24'] };
  const shopSet: CalicoNetworkSetInfo = { kind: 'CalicoNetworkSet', cluster: 'c1', namespace: 'shop', name: 'partners', labels: { role: 'partner' }, nets: ['192.0.2.0/24'] };
  const egressTo = (destination: CalicoPolicyInfo['egress'][number]['destination'], namespace?: string): CalicoPolicyInfo =>
    calico('egress', { selector: "role == 'frontend'", types: ['Egress'], egress: [calicoRule('Allow', { ...(destination ? { destination } : {}) })] }, namespace);
  const rows: { name: string; policy: CalicoPolicyInfo; dst: string; expect: string }[] = [
    { name: 'a GlobalNetworkPolicy selecting role external-database reaches the set\'s addresses', policy: egressTo({ selector: "role == 'external-database'" }), dst: '198.51.100.5', expect: 'All Connections' },
    { name: 'an address outside the set is not reached', policy: egressTo({ selector: "role == 'external-database'" }), dst: '198.51.100.20', expect: 'No Connections' },
    { name: 'a namespaced policy does not see GlobalNetworkSets through a plain selector', policy: egressTo({ selector: "role == 'external-database'" }, 'shop'), dst: '203.0.113.9', expect: 'No Connections' },
    { name: 'a namespaced policy reaches GlobalNetworkSets with namespaceSelector global()', policy: egressTo({ selector: "role == 'external-database'", namespaceSelector: 'global()' }, 'shop'), dst: '203.0.113.9', expect: 'All Connections' },
    { name: 'a namespaced policy reaches the NetworkSets of its own namespace', policy: egressTo({ selector: "role == 'partner'" }, 'shop'), dst: '192.0.2.7', expect: 'All Connections' },
    { name: 'a namespaced policy of another namespace does not', policy: egressTo({ selector: "role == 'partner'" }, 'ops'), dst: '192.0.2.7', expect: 'No Connections' },
    { name: 'notSelector excludes a set\'s addresses', policy: egressTo({ notSelector: "role == 'external-database'" }), dst: '198.51.100.5', expect: 'No Connections' },
  ];
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const engine = createEngine(snapshot({ namespaces, pods: [frontend, backend, database, tool], calicoPolicies: [r.policy], calicoNetworkSets: [externalDb, shopSet] }));
    expect(engine.validation.errors.map((e) => e.message)).toEqual([]);
    const src = r.policy.namespace === 'ops' ? tool : frontend;
    expect(engine.allowedConnections(P(src), IP(r.dst)).toString()).toBe(r.expect);
  });

  it('the map cuts its ranges at the sets\' nets', () => {
    const engine = createEngine(snapshot({ namespaces, pods: [frontend], calicoPolicies: [egressTo({ selector: "role == 'external-database'" })], calicoNetworkSets: [externalDb] }));
    const rows = engine.connectivityMap().filter((row) => row.src.startsWith('shop/frontend') && !row.dst.startsWith('shop/'));
    expect(rows.map((row) => row.dst)).toEqual(['198.51.100.0-198.51.100.15', '203.0.113.0-203.0.113.255']);
  });
});

