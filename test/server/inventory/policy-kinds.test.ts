/**
 * Reading the policy kinds beyond NetworkPolicy from manifests: ClusterNetworkPolicy
 * (policy.networking.k8s.io/v1alpha2), with the upstream documentation's examples.
 */
import { describe, expect, it } from 'vitest';
import { normalizeObject } from '../../../server/inventory/normalize.ts';
import { parseDocuments } from '../../../server/inventory/parse-documents.ts';

const ctx = { cluster: 'c1', source: { file: 'cnp.yaml', line: 1 } };
const read = (yaml: string) => parseDocuments(yaml, 'cnp.yaml').objects.map((o) => normalizeObject(o.object, { ...ctx, source: { file: 'cnp.yaml', line: o.line } }));

/** NPEP-133's "Maintaining an allowlist of domains", as the upstream conformance script applies it. */
const ALLOWLIST = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: allow-internal-egress
spec:
  tier: Admin
  priority: 45
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: "dev"
  egress:
  - name: "allow-cluster"
    action: "Accept"
    to:
    - networks:
      - "10.0.0.0/8"
      - "172.16.0.0/12"
      - "192.168.0.0/16"
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: allow-domains-egress
spec:
  tier: Admin
  priority: 55
  subject:
    namespaces:
      matchLabels:
        kubernetes.io/metadata.name: "dev"
  egress:
  - name: "allow-to-my-service"
    action: "Accept"
    to:
    - domainNames:
      - "blog.kubernetes.io"
      - "*.k8s.io"
    protocols:
    - tcp:
        destinationPort:
          number: 443
`;

describe('ClusterNetworkPolicy v1alpha2 from manifests', () => {
  it('reads the NPEP-133 allowlist example: tier, priority, subject, Accept rules, networks and domainNames peers, protocols', () => {
    const [internal, domains] = read(ALLOWLIST);
    expect(internal).toMatchObject({
      kind: 'object',
      object: {
        kind: 'ClusterNetworkPolicy', cluster: 'c1', name: 'allow-internal-egress', tier: 'Admin', priority: 45,
        subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'dev' } } },
        egress: [{ name: 'allow-cluster', action: 'Accept', peers: [{ kind: 'networks', networks: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] }] }],
        ingress: [],
      },
    });
    expect(domains).toMatchObject({
      kind: 'object',
      object: { egress: [{ action: 'Accept', peers: [{ kind: 'domainNames', domainNames: ['blog.kubernetes.io', '*.k8s.io'] }], ports: [{ kind: 'portNumber', protocol: 'TCP', port: 443 }] }] },
    });
  });

  it.each([
    ['a UDP range', '- udp: {destinationPort: {range: {start: 1000, end: 2000}}}', { kind: 'portRange', protocol: 'UDP', start: 1000, end: 2000 }],
    ['an SCTP number', '- sctp: {destinationPort: {number: 9}}', { kind: 'portNumber', protocol: 'SCTP', port: 9 }],
    ['a destinationNamedPort', '- destinationNamedPort: http', { kind: 'namedPort', name: 'http' }],
  ])('reads protocols: %s', (_what, protocols, expected) => {
    const [out] = read(`kind: ClusterNetworkPolicy\napiVersion: policy.networking.k8s.io/v1alpha2\nmetadata: {name: p}\nspec:\n  tier: Baseline\n  priority: 3\n  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}\n  ingress:\n  - action: Pass\n    from: [{namespaces: {}}]\n    protocols:\n    ${protocols}\n`);
    expect(out.kind === 'object' && out.object.kind === 'ClusterNetworkPolicy' && out.object.ingress[0].ports).toEqual([expected]);
  });

  it.each([
    ['a tier that is neither Admin nor Baseline', 'tier: Developer\n  priority: 1\n  subject: {namespaces: {}}', /spec.tier must be Admin or Baseline \(got "Developer"\)/],
    ['a peer setting two fields', 'tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  egress:\n  - action: Deny\n    to: [{namespaces: {}, networks: [10.0.0.0/8]}]', /spec.egress\[0\].to\[0\] must set exactly one of namespaces, pods, nodes, networks, domainNames \(got namespaces, networks\)/],
    ['a networks peer in from', 'tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n  - action: Deny\n    from: [{networks: [10.0.0.0/8]}]', /spec.ingress\[0\].from\[0\] must set exactly one of namespaces, pods \(got networks\)/],
    ['a tcp protocol without a destinationPort', 'tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{tcp: {}}]', /protocols\[0\].tcp.destinationPort is required/],
    ['the v1alpha1 action Allow', 'tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n  - action: Allow\n    from: [{namespaces: {}}]', /action must be Accept, Deny or Pass \(got "Allow"\)/],
  ])('rejects %s as an invalid policy naming file, line and object', (_what, spec, pattern) => {
    const [out] = read(`apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: bad}\nspec:\n  ${spec}\n`);
    expect(out.kind).toBe('invalid');
    if (out.kind !== 'invalid') return;
    expect(out.error.message).toMatch(/^netatlas\/inventory: cnp\.yaml:1 c1\/ClusterNetworkPolicy\/bad /);
    expect(out.error.message).toMatch(pattern);
  });

  it("skips Antrea's ClusterNetworkPolicy, a different API of the same name, with a warning", () => {
    const [out] = read('apiVersion: crd.antrea.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata: {name: acnp}\nspec: {priority: 5, tier: securityops, appliedTo: [{podSelector: {}}]}\n');
    expect(out).toMatchObject({ kind: 'skipped', warning: { code: 'unknown-kind', message: expect.stringContaining('ClusterNetworkPolicy of crd.antrea.io/v1beta1 is not read') } });
  });

  it("reads the AWS network policy agent's ClusterNetworkPolicy, the same spec in its own group", () => {
    const [out] = read('apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: {name: isolate-demo-namespace}\nspec:\n  tier: Admin\n  priority: 10\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: isolated-demo}}}\n  ingress:\n  - {name: deny-pod-ingress, action: Deny, from: [{namespaces: {matchLabels: {}}}]}\n');
    expect(out).toMatchObject({ kind: 'object', object: { kind: 'ClusterNetworkPolicy', tier: 'Admin', ingress: [{ name: 'deny-pod-ingress', action: 'Deny' }] } });
  });
});

describe('CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy from manifests', () => {
  it("reads the docs' L3/L4 example: endpointSelector, fromEndpoints, toPorts with ports as strings, L7 rules noted", () => {
    const [out] = read([
      'apiVersion: "cilium.io/v2"', 'kind: CiliumNetworkPolicy', 'metadata:', '  name: "rule1"', '  namespace: shop', 'spec:',
      '  description: "L7 policy to restrict access to specific HTTP call"',
      '  endpointSelector:', '    matchLabels:', '      org: empire', '      class: deathstar',
      '  ingress:', '  - fromEndpoints:', '    - matchLabels:', '        org: empire',
      '    toPorts:', '    - ports:', '      - port: "80"', '        protocol: TCP', '      rules:', '        http:', '        - method: "POST"', '          path: "/v1/request-landing"', '',
    ].join('\n'));
    expect(out).toMatchObject({
      kind: 'object',
      object: {
        kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'rule1',
        specs: [{ endpointSelector: { matchLabels: { org: 'empire', class: 'deathstar' } }, ingress: [{ endpoints: [{ matchLabels: { org: 'empire' } }], toPorts: [{ ports: [{ port: 80, protocol: 'TCP' }], l7: ['http'] }] }] }],
      },
    });
  });

  it('reads a clusterwide policy with specs, entities, CIDR sets, deny rules, enableDefaultDeny and FQDNs', () => {
    const [out] = read([
      'apiVersion: cilium.io/v2', 'kind: CiliumClusterwideNetworkPolicy', 'metadata: {name: egress}', 'specs:',
      '- endpointSelector: {matchLabels: {"k8s:app": web}}',
      '  enableDefaultDeny: {egress: false}',
      '  egress:', '  - toEntities: [world]', '  - toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}]', '    toPorts: [{ports: [{port: "0", protocol: ANY}]}]',
      '  - toFQDNs: [{matchName: api.github.com}, {matchPattern: "*.example.com"}]', '  - toServices: [{k8sService: {serviceName: db, namespace: data}}]',
      '  egressDeny:', '  - toCIDR: [169.254.169.254/32]', '',
    ].join('\n'));
    expect(out).toMatchObject({
      kind: 'object',
      object: {
        kind: 'CiliumClusterwideNetworkPolicy', name: 'egress',
        specs: [{
          enableDefaultDeny: { egress: false },
          egress: [
            { entities: ['world'] },
            { cidrs: [{ cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }], toPorts: [{ ports: [{ protocol: 'ANY' }] }] },
            { fqdns: ['api.github.com', '*.example.com'] },
            { unsupported: ['toServices'] },
          ],
          egressDeny: [{ cidrs: [{ cidr: '169.254.169.254/32' }] }],
        }],
      },
    });
    expect(out.kind === 'object' && 'namespace' in out.object ? out.object.namespace : undefined).toBeUndefined();
  });

  it('rejects a policy with neither spec nor specs as invalid', () => {
    const [out] = read('apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: empty, namespace: shop}\n');
    expect(out.kind === 'invalid' && out.error.message).toMatch(/cnp\.yaml:1 c1\/shop\/CiliumNetworkPolicy\/empty has neither spec nor specs/);
  });
});
