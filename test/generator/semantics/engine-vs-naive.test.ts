import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  AdminNetworkPolicyInfo, AdminPeer, AdminSubject, AdminPort, AdminRule, CalicoEntityRule, CalicoPolicyInfo, CalicoRule, CalicoNetworkSetInfo, CalicoTierInfo, CiliumNetworkPolicyInfo, CiliumPolicySpec, CiliumRule, LabelSelector, LabelSelectorRequirement, NamespaceInfo,
  NetworkPolicyInfo, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule, PodInfo,
} from '../../../generator/model/index.ts';
import { createEngine, type Peer, type PolicySnapshot } from '../../../generator/semantics/index.ts';
import { CLUSTER, node } from './builders.ts';
import { NaiveEvaluator } from './naive.ts';

const NAMESPACES = ['a', 'b', 'c'];
const label = fc.constantFrom('app', 'role', 'team');
const value = fc.constantFrom('x', 'y', 'z');

const labels = fc.dictionary(label, value, { maxKeys: 3 });
const requirement: fc.Arbitrary<LabelSelectorRequirement> = fc.oneof(
  fc.record({ key: label, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.uniqueArray(value, { minLength: 1, maxLength: 2 }) }),
  fc.record({ key: label, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
);
const selector: fc.Arbitrary<LabelSelector> = fc.record(
  { matchLabels: fc.dictionary(label, value, { maxKeys: 2 }), matchExpressions: fc.array(requirement, { maxLength: 2 }) },
  { requiredKeys: [] },
);
const nsSelector: fc.Arbitrary<LabelSelector> = fc.oneof(
  selector,
  fc.constantFrom(...NAMESPACES).map((n) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } })),
);
const cidr = fc.constantFrom('10.0.0.0/24', '10.0.0.0/28', '10.0.1.0/24', '0.0.0.0/0', '192.168.0.0/16', '8.8.8.0/24');
const ipBlock = fc.oneof(
  cidr.map((c) => ({ cidr: c })),
  fc.constant({ cidr: '10.0.0.0/24', except: ['10.0.0.8/29'] }),
  fc.constant({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16'] }),
);
const npPeer: fc.Arbitrary<NetworkPolicyPeer> = fc.oneof(
  fc.record({ podSelector: selector }),
  fc.record({ namespaceSelector: nsSelector }),
  fc.record({ podSelector: selector, namespaceSelector: nsSelector }),
  fc.record({ ipBlock }),
);
const protocol = fc.constantFrom('TCP' as const, 'UDP' as const, 'SCTP' as const);
const npPort: fc.Arbitrary<NetworkPolicyPort> = fc.oneof(
  fc.record({ protocol, port: fc.constantFrom(53, 80, 443, 8080, 9090) }, { requiredKeys: ['port'] }),
  fc.record({ protocol, port: fc.constantFrom(80, 8000), endPort: fc.constantFrom(8080, 9000) }, { requiredKeys: ['port', 'endPort'] }),
  fc.record({ protocol, port: fc.constantFrom('http', 'dns', 'metrics') }, { requiredKeys: ['port'] }),
  fc.record({ protocol }),
);
const npRule: fc.Arbitrary<NetworkPolicyRule> = fc.record(
  { peers: fc.array(npPeer, { maxLength: 2 }), ports: fc.array(npPort, { maxLength: 2 }) },
  { requiredKeys: [] },
);
const networkPolicy = (i: number): fc.Arbitrary<NetworkPolicyInfo> =>
  fc.record(
    {
      namespace: fc.constantFrom(...NAMESPACES),
      podSelector: selector,
      policyTypes: fc.constantFrom(undefined, ['Ingress' as const], ['Egress' as const], ['Ingress' as const, 'Egress' as const]),
      ingress: fc.option(fc.array(npRule, { maxLength: 2 }), { nil: undefined }),
      egress: fc.option(fc.array(npRule, { maxLength: 2 }), { nil: undefined }),
    },
  ).map((r) => {
    const p: NetworkPolicyInfo = { kind: 'NetworkPolicy', cluster: CLUSTER, name: `np${i}`, namespace: r.namespace, podSelector: r.podSelector };
    return {
      ...p,
      ...(r.policyTypes ? { policyTypes: r.policyTypes } : {}),
      ...(r.ingress ? { ingress: r.ingress } : {}),
      ...(r.egress ? { egress: r.egress } : {}),
    };
  });

const adminPeer: fc.Arbitrary<AdminPeer> = fc.oneof(
  nsSelector.map((s) => ({ kind: 'namespaces' as const, namespaces: s })),
  fc.record({ namespaceSelector: nsSelector, podSelector: selector }).map((pods) => ({ kind: 'pods' as const, pods })),
  fc.array(cidr, { minLength: 1, maxLength: 2 }).map((networks) => ({ kind: 'networks' as const, networks })),
  selector.map((s) => ({ kind: 'nodes' as const, nodes: s })),
);
const adminPort: fc.Arbitrary<AdminPort> = fc.oneof(
  fc.record({ kind: fc.constant('portNumber' as const), protocol, port: fc.constantFrom(53, 80, 8080) }),
  fc.record({ kind: fc.constant('portRange' as const), protocol, start: fc.constantFrom(80, 1000), end: fc.constantFrom(8080, 9000) }),
  fc.record({ kind: fc.constant('namedPort' as const), name: fc.constantFrom('http', 'dns') }),
);
const adminRule = (actions: AdminRule['action'][]): fc.Arbitrary<AdminRule> =>
  fc.record(
    { name: fc.constant('r'), action: fc.constantFrom(...actions), peers: fc.array(adminPeer, { minLength: 1, maxLength: 2 }), ports: fc.array(adminPort, { minLength: 1, maxLength: 2 }) },
    { requiredKeys: ['name', 'action', 'peers'] },
  );
const subject: fc.Arbitrary<AdminSubject> = fc.oneof(
  nsSelector.map((namespaces): AdminSubject => ({ namespaces })),
  fc.record({ namespaceSelector: nsSelector, podSelector: selector }).map((pods): AdminSubject => ({ pods })),
);
const adminPolicy = (kind: AdminNetworkPolicyInfo['kind'], name: string, priority?: number): fc.Arbitrary<AdminNetworkPolicyInfo> => {
  const actions: AdminRule['action'][] = kind === 'AdminNetworkPolicy' ? ['Allow', 'Deny', 'Pass'] : ['Allow', 'Deny'];
  return fc
    .record({ subject, ingress: fc.array(adminRule(actions), { maxLength: 3 }), egress: fc.array(adminRule(actions), { maxLength: 3 }) })
    .map((r) => ({ kind, cluster: CLUSTER, name, ...(priority !== undefined ? { priority } : {}), ...r }));
};

/** ClusterNetworkPolicy v1alpha2: ingress peers are namespaces/pods; domainNames only on Accept. */
const cnpIngressPeer = adminPeer.filter((p) => p.kind === 'namespaces' || p.kind === 'pods');
const cnpRule = (direction: 'ingress' | 'egress'): fc.Arbitrary<AdminRule> =>
  fc.constantFrom<AdminRule['action']>('Accept', 'Deny', 'Pass').chain((action) =>
    fc.record(
      {
        name: fc.constant('r'),
        action: fc.constant(action),
        peers: fc.array(
          direction === 'ingress' ? cnpIngressPeer : action === 'Accept'
            ? fc.oneof(adminPeer, fc.constant<AdminPeer>({ kind: 'domainNames', domainNames: ['example.com'] }))
            : adminPeer,
          { minLength: 1, maxLength: 2 },
        ),
        ports: fc.array(adminPort.filter((p) => p.kind !== 'portRange' || p.start < p.end), { minLength: 1, maxLength: 2 }),
      },
      { requiredKeys: ['name', 'action', 'peers'] },
    ).filter((r) => !(r.peers.some((p) => p.kind !== 'namespaces' && p.kind !== 'pods') && (r.ports ?? []).some((p) => p.kind === 'namedPort'))),
  );
const clusterNetworkPolicy = (name: string, priority: number): fc.Arbitrary<AdminNetworkPolicyInfo> =>
  fc
    .record({ tier: fc.constantFrom('Admin' as const, 'Baseline' as const), subject, ingress: fc.array(cnpRule('ingress'), { maxLength: 3 }), egress: fc.array(cnpRule('egress'), { maxLength: 3 }) })
    .map((r) => ({ kind: 'ClusterNetworkPolicy' as const, cluster: CLUSTER, name, priority, ...r }));

/** Cilium: selectors with source prefixes and identity labels, entities, CIDRs, toPorts, deny rules. */
const ciliumLabelKey = fc.constantFrom('app', 'k8s:app', 'any:role', 'team');
const ciliumSelectorArb: fc.Arbitrary<LabelSelector> = fc.oneof(
  fc.record({ matchLabels: fc.dictionary(ciliumLabelKey, value, { maxKeys: 2 }) }),
  fc.constantFrom(...NAMESPACES).map((n) => ({ matchLabels: { 'k8s:io.kubernetes.pod.namespace': n } })),
  fc.constantFrom('default', 'sa1').map((sa) => ({ matchLabels: { 'io.cilium.k8s.policy.serviceaccount': sa } })),
  fc.constant<LabelSelector>({}),
);
const ciliumRuleArb: fc.Arbitrary<CiliumRule> = fc.record(
  {
    endpoints: fc.array(ciliumSelectorArb, { minLength: 1, maxLength: 2 }),
    entities: fc.uniqueArray(fc.constantFrom('world', 'cluster', 'host', 'remote-node', 'all', 'kube-apiserver'), { minLength: 1, maxLength: 2 }),
    cidrs: fc.array(ipBlock, { minLength: 1, maxLength: 1 }),
    toPorts: fc.array(
      fc.record({
        ports: fc.array(
          fc.oneof(
            fc.record({ port: fc.constantFrom(53, 80, 8080), protocol: fc.constantFrom('TCP' as const, 'UDP' as const, 'ANY' as const) }, { requiredKeys: ['port'] }),
            fc.record({ port: fc.constant(80), endPort: fc.constantFrom(90, 9000), protocol: fc.constantFrom('TCP' as const, 'ANY' as const) }, { requiredKeys: ['port', 'endPort'] }),
            fc.record({ port: fc.constantFrom('http', 'dns') }),
            fc.record({ protocol: fc.constantFrom('UDP' as const) }),
          ),
          { maxLength: 2 },
        ),
      }, { requiredKeys: [] }),
      { minLength: 1, maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);
/**
 * Egress rules may carry toFQDNs with the addresses DNS answers in flows gave (or none seen);
 * outside addresses only, as the map reads its ranges as off-cluster (a documented limit).
 */
const ciliumEgressRuleArb: fc.Arbitrary<CiliumRule> = fc
  .tuple(ciliumRuleArb, fc.option(fc.subarray(['8.8.8.8', '10.0.1.7', '10.0.0.9']), { nil: undefined }))
  .map(([r, addresses]) => (addresses === undefined ? r : { ...r, fqdns: ['*.example.com'], fqdnAddresses: addresses }));
const ciliumSpecArb: fc.Arbitrary<CiliumPolicySpec> = fc.record(
  {
    endpointSelector: ciliumSelectorArb,
    ingress: fc.array(ciliumRuleArb, { maxLength: 2 }),
    egress: fc.array(ciliumEgressRuleArb, { maxLength: 2 }),
    ingressDeny: fc.array(ciliumRuleArb.map((r) => ({ ...r, toPorts: r.toPorts?.map((pr) => ({ ...(pr.ports ? { ports: pr.ports.filter((pp) => typeof pp.port !== 'string') } : {}) })) })), { maxLength: 1 }),
    egressDeny: fc.array(ciliumEgressRuleArb, { maxLength: 1 }),
    enableDefaultDeny: fc.record({ ingress: fc.boolean(), egress: fc.boolean() }, { requiredKeys: [] }),
  },
  { requiredKeys: ['endpointSelector'] },
);
/** Host firewall specs (clusterwide only): nodeSelector in place of endpointSelector, over the nodes' zone label. */
const ciliumHostSpecArb: fc.Arbitrary<CiliumPolicySpec> = fc
  .tuple(ciliumSpecArb, fc.constantFrom<LabelSelector>({}, { matchLabels: { zone: 'x' } }, { matchLabels: { zone: 'y' } }))
  .map(([{ endpointSelector: _unused, ...rest }, nodeSelector]) => ({ ...rest, nodeSelector }));
const ciliumPolicy = (i: number): fc.Arbitrary<CiliumNetworkPolicyInfo> =>
  fc.record({ namespace: fc.constantFrom(...NAMESPACES, undefined), specs: fc.array(ciliumSpecArb, { minLength: 1, maxLength: 2 }), host: fc.option(ciliumHostSpecArb, { freq: 3, nil: undefined }) })
    .map((r) => (r.namespace === undefined && r.host ? { ...r, specs: [...r.specs, r.host] } : r)).map((r) => ({
    kind: r.namespace ? ('CiliumNetworkPolicy' as const) : ('CiliumClusterwideNetworkPolicy' as const),
    cluster: CLUSTER,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: `cil${i}`,
    specs: r.specs,
  }));

const containerPort = fc.constantFrom(
  { name: 'http', containerPort: 80, protocol: 'TCP' as const },
  { name: 'http', containerPort: 8080, protocol: 'TCP' as const },
  { name: 'dns', containerPort: 53, protocol: 'UDP' as const },
  { name: 'dns', containerPort: 53, protocol: 'TCP' as const },
  { name: 'metrics', containerPort: 9090, protocol: 'TCP' as const },
  { containerPort: 443, protocol: 'TCP' as const },
);
const podArb = (i: number): fc.Arbitrary<PodInfo> =>
  fc
    .record({
      namespace: fc.constantFrom(...NAMESPACES),
      labels,
      ports: fc.uniqueArray(containerPort, { maxLength: 3, selector: (p) => `${p.containerPort}/${p.protocol}` }),
      hostNetwork: fc.boolean().chain((b) => (b ? fc.boolean().map((c) => c && b) : fc.constant(false))),
      ipLast: fc.integer({ min: 1, max: 20 }),
      nodeName: fc.constantFrom('n1', 'n2'),
      owner: fc.constantFrom('web', 'api', undefined),
      serviceAccount: fc.constantFrom('default', 'sa1', undefined),
    })
    .map((r) => ({
      kind: 'Pod' as const,
      cluster: CLUSTER,
      namespace: r.namespace,
      name: `p${i}`,
      labels: r.labels,
      ips: r.hostNetwork ? [r.nodeName === 'n1' ? '192.168.0.1' : '192.168.0.2'] : [`10.0.0.${r.ipLast + i * 10}`],
      hostIPs: [r.nodeName === 'n1' ? '192.168.0.1' : '192.168.0.2'],
      nodeName: r.nodeName,
      hostNetwork: r.hostNetwork,
      privileged: false,
      ports: r.ports,
      ...(r.owner ? { owner: { kind: 'Deployment', name: `${r.owner}-${r.namespace}` } } : {}),
      ...(r.serviceAccount ? { serviceAccount: r.serviceAccount } : {}),
    }));

const snapshotArb: fc.Arbitrary<PolicySnapshot> = fc
  .record({
    nsLabels: fc.tuple(labels, labels, labels),
    podCount: fc.integer({ min: 1, max: 6 }),
    npCount: fc.integer({ min: 0, max: 4 }),
    anpCount: fc.integer({ min: 0, max: 2 }),
    cnpCount: fc.integer({ min: 0, max: 3 }),
    ciliumCount: fc.integer({ min: 0, max: 2 }),
    withBanp: fc.boolean(),
  })
  .chain((r) =>
    fc.record({
      namespaces: fc.constant<NamespaceInfo[]>(NAMESPACES.map((n, i) => ({ kind: 'Namespace', cluster: CLUSTER, name: n, labels: r.nsLabels[i] }))),
      pods: fc.tuple(...Array.from({ length: r.podCount }, (_, i) => podArb(i))),
      networkPolicies: r.npCount ? fc.tuple(...Array.from({ length: r.npCount }, (_, i) => networkPolicy(i))) : fc.constant([]),
      adminNetworkPolicies: fc
        .tuple(
          ...Array.from({ length: r.anpCount }, (_, i) => adminPolicy('AdminNetworkPolicy', `anp${i}`, 10 + i * 10)),
          ...(r.withBanp ? [adminPolicy('BaselineAdminNetworkPolicy', 'default')] : []),
          ...Array.from({ length: r.cnpCount }, (_, i) => clusterNetworkPolicy(`cnp${i}`, 15 + i * 10)),
        )
        .map((l) => [...l]),
      ciliumNetworkPolicies: r.ciliumCount ? fc.tuple(...Array.from({ length: r.ciliumCount }, (_, i) => ciliumPolicy(i))).map((l) => [...l]) : fc.constant([]),
      nodes: fc.constant([node('n1', ['192.168.0.1'], { zone: 'x' }), node('n2', ['192.168.0.2'], { zone: 'y' })]),
    }),
  ) as fc.Arbitrary<PolicySnapshot>;

const EXTERNAL: Peer[] = [
  { kind: 'ip', ip: '10.0.0.9' },
  { kind: 'ip', ip: '10.0.1.7' },
  { kind: 'ip', ip: '8.8.8.8' },
  { kind: 'ip', ip: '192.168.0.1' },
];

/**
 * Calico: selectors in Calico's language (with its endpoint labels), entities with nets and
 * notNets, ports, ranges and named ports, every action, tiers with order and defaultAction,
 * NetworkPolicies alongside (in the default tier).
 */
const calicoKey = fc.constantFrom('app', 'role', 'team', 'pcns.app', 'projectcalico.org/serviceaccount');
const calicoTerm: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('all()', 'has(app)', '!has(role)'),
  fc.tuple(calicoKey, fc.constantFrom('==', '!='), fc.constantFrom('x', 'y', 'sa1', 'default')).map(([k, op, v]) => `${k} ${op} '${v}'`),
  fc.tuple(calicoKey, fc.constantFrom('in', 'not in'), fc.uniqueArray(value, { minLength: 1, maxLength: 2 })).map(([k, op, vs]) => `${k} ${op} {${vs.map((v) => `"${v}"`).join(', ')}}`),
);
const calicoSelector: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: calicoTerm },
  { weight: 1, arbitrary: fc.tuple(calicoTerm, fc.constantFrom('&&', '||'), calicoTerm).map(([a, op, b]) => `(${a}) ${op} ${b}`) },
);
const calicoNsSelector = fc.oneof(calicoSelector, fc.constantFrom(...NAMESPACES).map((n) => `projectcalico.org/name == '${n}'`), fc.constant('global()'));
const calicoEntity: fc.Arbitrary<CalicoEntityRule> = fc.record(
  {
    selector: calicoSelector,
    notSelector: calicoSelector,
    namespaceSelector: calicoNsSelector,
    serviceAccounts: fc.record({ names: fc.constantFrom(['sa1'], ['default']) }),
    nets: fc.array(cidr, { minLength: 1, maxLength: 2 }),
    notNets: fc.array(cidr, { minLength: 1, maxLength: 1 }),
  },
  { requiredKeys: [] },
);
const calicoPort = fc.oneof(
  fc.constantFrom(53, 80, 443, 8080).map((p) => ({ start: p, end: p })),
  fc.constant({ start: 8000, end: 9000 }),
  fc.constantFrom('http', 'dns').map((name) => ({ name })),
);
const calicoRuleArb: fc.Arbitrary<CalicoRule> = fc
  .record({
    action: fc.constantFrom('Allow' as const, 'Deny' as const, 'Pass' as const, 'Log' as const),
    protocol: fc.option(protocol, { nil: undefined }),
    source: fc.option(calicoEntity, { nil: undefined }),
    destination: fc.option(calicoEntity, { nil: undefined }),
    ports: fc.option(fc.array(calicoPort, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    notPorts: fc.option(fc.constant([{ start: 1, end: 100 }]), { nil: undefined }),
  })
  .map((r) => {
    const destination = r.protocol && (r.ports || r.notPorts) ? { ...(r.destination ?? {}), ...(r.ports ? { ports: r.ports } : {}), ...(r.notPorts ? { notPorts: r.notPorts } : {}) } : r.destination;
    return { action: r.action, ...(r.protocol ? { protocol: r.protocol } : {}), ...(r.source ? { source: r.source } : {}), ...(destination ? { destination } : {}) };
  });
const calicoPolicy = (i: number): fc.Arbitrary<CalicoPolicyInfo> =>
  fc
    .record({
      namespace: fc.constantFrom(...NAMESPACES, undefined),
      tier: fc.constantFrom('default', 'default', 'security', 'platform'),
      order: fc.constantFrom(100, 1000, 1500, undefined),
      selector: calicoSelector,
      namespaceSelector: fc.option(calicoNsSelector, { nil: undefined }),
      serviceAccountSelector: fc.option(fc.constant("projectcalico.org/name == 'sa1'"), { freq: 5, nil: undefined }),
      types: fc.constantFrom(undefined, ['Ingress' as const], ['Egress' as const], ['Ingress' as const, 'Egress' as const]),
      ingress: fc.array(calicoRuleArb, { maxLength: 2 }),
      egress: fc.array(calicoRuleArb, { maxLength: 2 }),
    })
    .map((r) => ({
      kind: r.namespace ? ('CalicoNetworkPolicy' as const) : ('CalicoGlobalNetworkPolicy' as const),
      cluster: CLUSTER,
      ...(r.namespace ? { namespace: r.namespace } : r.namespaceSelector ? { namespaceSelector: r.namespaceSelector } : {}),
      name: `cal${i}`,
      tier: r.tier,
      ...(r.order !== undefined ? { order: r.order } : {}),
      selector: r.selector,
      ...(r.serviceAccountSelector ? { serviceAccountSelector: r.serviceAccountSelector } : {}),
      ...(r.types ? { types: r.types } : {}),
      ingress: r.ingress,
      egress: r.egress,
    }));
const calicoTiersArb: fc.Arbitrary<CalicoTierInfo[]> = fc.record({ security: fc.boolean(), platformPass: fc.boolean() }).map((r) => [
  ...(r.security ? [{ kind: 'CalicoTier' as const, cluster: CLUSTER, name: 'security', order: 100 }] : []),
  { kind: 'CalicoTier' as const, cluster: CLUSTER, name: 'platform', order: 2_000_000, ...(r.platformPass ? { defaultAction: 'Pass' as const } : {}) },
]);
/** NetworkSets (namespaced) and GlobalNetworkSets with labels rule selectors can pick, over pod and outside addresses. */
const calicoNetworkSetsArb: fc.Arbitrary<CalicoNetworkSetInfo[]> = fc.array(
  fc.record({ namespace: fc.constantFrom(...NAMESPACES, undefined), role: fc.constantFrom('x', 'y'), nets: fc.array(fc.constantFrom('8.8.8.0/24', '10.0.1.7', '10.0.0.0/28', '192.168.0.0/16'), { minLength: 1, maxLength: 2 }) }),
  { maxLength: 2 },
).map((sets) => sets.map((s, i) => ({
  kind: s.namespace ? ('CalicoNetworkSet' as const) : ('CalicoGlobalNetworkSet' as const), cluster: CLUSTER,
  ...(s.namespace ? { namespace: s.namespace } : {}), name: `set${i}`, labels: { role: s.role }, nets: s.nets,
})));
const calicoSnapshotArb: fc.Arbitrary<PolicySnapshot> = fc
  .record({ base: snapshotArb, calicoCount: fc.integer({ min: 1, max: 3 }), tiers: calicoTiersArb, sets: calicoNetworkSetsArb })
  .chain((r) =>
    fc.tuple(...Array.from({ length: r.calicoCount }, (_, i) => calicoPolicy(i))).map((policies) => ({
      ...r.base, ciliumNetworkPolicies: [], calicoPolicies: [...policies], calicoTiers: r.tiers, calicoNetworkSets: r.sets,
    })),
  );

function agreesWithNaive(kinds: string, arb: fc.Arbitrary<PolicySnapshot>, readings: readonly { ipBlockMatchesPods: boolean; hostNetworkAsPods: boolean }[]): void {
  for (const options of readings) {
    const name = `${kinds} ${JSON.stringify(options)}`;
    it(`gives the same connection set for every pair of pods and addresses ${name}`, () => {
      fc.assert(
        fc.property(arb, (snap) => {
          const engine = createEngine(snap, options);
          const naive = new NaiveEvaluator(snap, options);
          const grid = naive.grid();
          const peers: Peer[] = [...snap.pods.map((pod) => ({ kind: 'pod' as const, pod })), ...EXTERNAL];
          for (const src of peers) {
            for (const dst of peers) {
              if (src.kind === 'ip' && dst.kind === 'ip') continue;
              const expected = naive.connections(src, dst, grid).toString();
              const actual = engine.allowedConnections(src, dst).toString();
              if (actual !== expected) {
                throw new Error(`${JSON.stringify(src)} -> ${JSON.stringify(dst)}: engine ${actual}, naive ${expected}`);
              }
            }
          }
        }),
        { numRuns: 60, seed: 20261128 },
      );
    });

    it(`gives the same single-port verdicts from evaluate ${name}`, () => {
      fc.assert(
        fc.property(arb, protocol, fc.constantFrom(53, 80, 443, 1000, 8080, 9090), (snap, proto, port) => {
          const engine = createEngine(snap, options);
          const naive = new NaiveEvaluator(snap, options);
          const peers: Peer[] = [...snap.pods.map((pod) => ({ kind: 'pod' as const, pod })), ...EXTERNAL];
          for (const src of peers) {
            for (const dst of peers) {
              if (src.kind === 'ip' && dst.kind === 'ip') continue;
              expect(engine.evaluate({ src, dst, protocol: proto, port }).allowed).toBe(naive.allowed(src, dst, proto, port));
            }
          }
        }),
        { numRuns: 50, seed: 7 },
      );
    });

    it(`produces the same workload-level map ${name}`, () => {
      fc.assert(
        fc.property(arb, (snap) => {
          const engine = createEngine(snap, options);
          const naive = new NaiveEvaluator(snap, options);
          const actual = engine.connectivityMap().map((r) => `${r.src} => ${r.dst} : ${r.conn}`).sort();
          expect(actual).toEqual(naive.mapLines());
        }),
        { numRuns: 40, seed: 42 },
      );
    });
  }
}

/** Calico rules whose far end is picked by selectors that network sets carry (role), or by global(). */
const setEntity: fc.Arbitrary<CalicoEntityRule> = fc.record(
  {
    selector: fc.constantFrom("role == 'x'", "role == 'y'", 'has(role)', 'all()'),
    notSelector: fc.constantFrom("role == 'y'"),
    namespaceSelector: fc.constantFrom('global()', "projectcalico.org/name == 'a'", 'all()'),
  },
  { requiredKeys: ['selector'] },
);
const setPolicy = (i: number): fc.Arbitrary<CalicoPolicyInfo> =>
  fc.record({
    namespace: fc.constantFrom(...NAMESPACES, undefined),
    action: fc.constantFrom('Allow' as const, 'Deny' as const),
    egress: setEntity,
    ingress: setEntity,
  }).map((r) => ({
    kind: r.namespace ? ('CalicoNetworkPolicy' as const) : ('CalicoGlobalNetworkPolicy' as const),
    cluster: CLUSTER, ...(r.namespace ? { namespace: r.namespace } : {}), name: `set-pol${i}`, tier: 'default', selector: 'all()',
    ingress: [{ action: r.action, source: r.ingress }], egress: [{ action: r.action, destination: r.egress }],
  }));
const calicoSetsSnapshotArb: fc.Arbitrary<PolicySnapshot> = fc
  .record({ base: snapshotArb, sets: calicoNetworkSetsArb.filter((s) => s.length > 0), policies: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }) })
  .chain((r) =>
    fc.tuple(...r.policies.map((_, i) => setPolicy(i))).map((policies) => ({
      ...r.base, adminNetworkPolicies: [], ciliumNetworkPolicies: [], calicoPolicies: [...policies], calicoTiers: [], calicoNetworkSets: r.sets,
    })),
  );

/**
 * Always a host firewall, and no hostNetwork pods: node addresses are then the map's only node
 * traffic, and pods that differ only by node (one class unless something tells nodes apart) meet them.
 */
const hostFirewallSnapshotArb: fc.Arbitrary<PolicySnapshot> = fc
  .record({ base: snapshotArb, host: ciliumHostSpecArb, sameLabels: fc.boolean() })
  .map(({ base, host, sameLabels }) => ({
    ...base,
    pods: base.pods.map((p, i) => ({ ...p, hostNetwork: false, ips: [`10.0.0.${100 + i}`], ...(sameLabels ? { labels: {}, namespace: 'a', ports: [], nodeName: i % 2 ? 'n2' : 'n1', hostIPs: [i % 2 ? '192.168.0.2' : '192.168.0.1'] } : {}) })),
    ciliumNetworkPolicies: [...(base.ciliumNetworkPolicies ?? []), { kind: 'CiliumClusterwideNetworkPolicy' as const, cluster: CLUSTER, name: 'host-fw', specs: [host] }],
  }));

describe('the engine agrees with the naive reference evaluator', () => {
  agreesWithNaive('(NetworkPolicy, ANP/BANP, ClusterNetworkPolicy, Cilium)', snapshotArb, [
    { ipBlockMatchesPods: false, hostNetworkAsPods: false },
    { ipBlockMatchesPods: true, hostNetworkAsPods: false },
    { ipBlockMatchesPods: false, hostNetworkAsPods: true },
  ]);
  agreesWithNaive('(Calico tiers with NetworkPolicy and the admin tiers)', calicoSnapshotArb, [
    { ipBlockMatchesPods: false, hostNetworkAsPods: false },
    { ipBlockMatchesPods: true, hostNetworkAsPods: false },
  ]);
  agreesWithNaive('(Calico rules selecting NetworkSets and GlobalNetworkSets)', calicoSetsSnapshotArb, [{ ipBlockMatchesPods: false, hostNetworkAsPods: false }]);
  agreesWithNaive('(a Cilium host firewall over node addresses, no hostNetwork pods)', hostFirewallSnapshotArb, [{ ipBlockMatchesPods: false, hostNetworkAsPods: false }]);
});
