import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { LIVE_KINDS } from '../../server/inventory/live.ts';
import { TRIVY_GROUP, TRIVY_KINDS, TRIVY_PLURALS } from '../../server/inventory/trivy.ts';
import { serveCommand } from '../../server/cli/serve.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

/** The API group and resource each kind netatlas watches lives at. */
const RESOURCE_OF: Record<string, readonly [group: string, resource: string]> = {
  Namespace: ['', 'namespaces'],
  Node: ['', 'nodes'],
  Pod: ['', 'pods'],
  Service: ['', 'services'],
  EndpointSlice: ['discovery.k8s.io', 'endpointslices'],
  NetworkPolicy: ['networking.k8s.io', 'networkpolicies'],
  AdminNetworkPolicy: ['policy.networking.k8s.io', 'adminnetworkpolicies'],
  BaselineAdminNetworkPolicy: ['policy.networking.k8s.io', 'baselineadminnetworkpolicies'],
  ClusterNetworkPolicy: ['policy.networking.k8s.io', 'clusternetworkpolicies'],
  CiliumNetworkPolicy: ['cilium.io', 'ciliumnetworkpolicies'],
  CiliumClusterwideNetworkPolicy: ['cilium.io', 'ciliumclusterwidenetworkpolicies'],
  ReplicaSet: ['apps', 'replicasets'],
  Deployment: ['apps', 'deployments'],
  StatefulSet: ['apps', 'statefulsets'],
  DaemonSet: ['apps', 'daemonsets'],
  Job: ['batch', 'jobs'],
  CronJob: ['batch', 'cronjobs'],
  ValidatingWebhookConfiguration: ['admissionregistration.k8s.io', 'validatingwebhookconfigurations'],
  MutatingWebhookConfiguration: ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
  CustomResourceDefinition: ['apiextensions.k8s.io', 'customresourcedefinitions'],
  ServiceCIDR: ['networking.k8s.io', 'servicecidrs'],
  CalicoNetworkPolicy: ['projectcalico.org', 'networkpolicies'],
  CalicoGlobalNetworkPolicy: ['projectcalico.org', 'globalnetworkpolicies'],
  CalicoTier: ['projectcalico.org', 'tiers'],
  CalicoNetworkSet: ['projectcalico.org', 'networksets'],
  CalicoGlobalNetworkSet: ['projectcalico.org', 'globalnetworksets'],
  StagedNetworkPolicy: ['projectcalico.org', 'stagednetworkpolicies'],
  StagedGlobalNetworkPolicy: ['projectcalico.org', 'stagedglobalnetworkpolicies'],
  StagedKubernetesNetworkPolicy: ['projectcalico.org', 'stagedkubernetesnetworkpolicies'],
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const files = readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml'));
const objects: Obj[] = files
  .filter((f) => f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(DEPLOY + f, 'utf8')).map((d) => d.toJS() as Obj))
  .filter(Boolean);
const byKind = (kind: string): Obj[] => objects.filter((o) => o.kind === kind);
const deployment = byKind('Deployment')[0];
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

describe('deploy/ RBAC', () => {
  const role = byKind('ClusterRole')[0];
  const granted = new Set<string>(role.rules.flatMap((r: Obj) => r.apiGroups.flatMap((g: string) => r.resources.map((res: string) => `${g}/${res}`))));

  it('grants get, list and watch only, on every rule of every role', () => {
    const roles = [...byKind('ClusterRole'), ...byKind('Role')];
    expect(roles).toHaveLength(1);
    for (const rule of roles.flatMap((r) => r.rules)) {
      expect([...rule.verbs].sort()).toEqual(['get', 'list', 'watch']);
      expect(rule.resourceNames).toBeUndefined();
      expect(rule.nonResourceURLs).toBeUndefined();
      expect([...rule.apiGroups, ...rule.resources]).not.toContain('*');
    }
  });

  it('covers exactly the kinds server/inventory/live.ts watches and the trivy-operator reports risk lists', () => {
    const unmapped = LIVE_KINDS.filter((k) => !RESOURCE_OF[k]);
    expect(unmapped, 'a kind live.ts watches has no RBAC mapping here: add it to RESOURCE_OF and deploy/rbac.yaml').toEqual([]);
    const wanted = new Set([...LIVE_KINDS.map((k) => RESOURCE_OF[k].join('/')), ...TRIVY_KINDS.map((k) => `${TRIVY_GROUP}/${TRIVY_PLURALS[k]}`)]);
    expect([...granted].sort()).toEqual([...wanted].sort());
  });

  it('never grants Secrets, ConfigMaps or subresources', () => {
    for (const g of granted) {
      const [, resource, ...rest] = g.split('/');
      expect(rest, `${g} is a subresource`).toEqual([]);
      expect(['secrets', 'configmaps']).not.toContain(resource);
    }
  });

  it('binds the role to the netatlas ServiceAccount the Deployment runs as', () => {
    const binding = byKind('ClusterRoleBinding')[0];
    const sa = byKind('ServiceAccount')[0];
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    expect(pod.serviceAccountName).toBe(sa.metadata.name);
  });
});

describe('deploy/ Deployment', () => {
  it('runs netatlas serve on 0.0.0.0 with a token file mounted from a Secret', () => {
    const args: string[] = container.args;
    expect(args[0]).toBe('serve');
    expect(args[args.indexOf('--host') + 1]).toBe('0.0.0.0');
    const tokenFile = args[args.indexOf('--token-file') + 1];
    const mount = container.volumeMounts.find((m: Obj) => tokenFile.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    const volume = pod.volumes.find((v: Obj) => v.name === mount.name);
    expect(volume.secret.secretName).toBe('netatlas-token');
  });

  it('passes only flags that `netatlas serve` accepts', () => {
    const known = new Set(serveCommand().options.map((o) => o.long));
    const flags = (container.args as string[]).filter((a) => a.startsWith('--'));
    expect(flags.filter((f) => !known.has(f))).toEqual([]);
  });

  it('runs as non-root with a read-only root filesystem, no privilege escalation, no capabilities and resource limits', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(container.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    // Everything it writes goes to mounted volumes.
    const mounts = container.volumeMounts.map((m: Obj) => m.mountPath);
    const db = container.args[container.args.indexOf('--db') + 1] as string;
    expect(mounts.some((m: string) => db.startsWith(`${m}/`))).toBe(true);
    expect(mounts).toContain('/tmp');
  });

  it('probes liveness on /healthz and readiness on /readyz, both unauthenticated, on the named port the Service targets', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/api/v1/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/api/v1/readyz', port: 'http' });
    const service = byKind('Service')[0];
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.ports[0].targetPort).toBe(container.ports[0].name);
  });
});

describe('deploy/kustomization.yaml', () => {
  it('lists every manifest in deploy/', () => {
    const kustomization = parseAllDocuments(readFileSync(DEPLOY + 'kustomization.yaml', 'utf8'))[0].toJS() as Obj;
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
    expect(new Set(objects.map((o) => o.metadata.namespace).filter(Boolean))).toEqual(new Set([kustomization.namespace]));
  });
});

describe('deploy/networkpolicy.yaml', () => {
  const policy = byKind('NetworkPolicy')[0];

  it('selects the netatlas pods and isolates them both ways', () => {
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('lets in only the UI/API port, only from namespaces that opt in', () => {
    expect(policy.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'netatlas.io/access': 'true' } } }], ports: [{ port: 'http', protocol: 'TCP' }] }]);
  });

  it('lets out only DNS, Hubble Relay and the API server', () => {
    const ports = policy.spec.egress.flatMap((rule: Obj) => rule.ports.map((p: Obj) => `${p.protocol}/${p.port}`)).sort();
    expect(ports).toEqual(['TCP/4245', 'TCP/443', 'TCP/53', 'TCP/6443', 'UDP/53']);
    const relayRule = policy.spec.egress.find((rule: Obj) => rule.to?.[0]?.podSelector?.matchLabels?.['k8s-app'] === 'hubble-relay');
    expect(relayRule.to[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'kube-system' });
    const relayArg = container.args[container.args.indexOf('--hubble-relay') + 1];
    expect(relayArg).toMatch(/^hubble-relay\.kube-system\./);
  });
});
