import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadInventoryPaths, normalizeObject } from '../../../server/inventory/index.ts';

/** Writes YAML documents to a temporary file and loads it as cluster c1's inventory. */
async function load(yaml: string) {
  const dir = mkdtempSync(`${tmpdir()}/netatlas-entries-`);
  writeFileSync(`${dir}/entries.yaml`, yaml);
  return loadInventoryPaths([`${dir}/entries.yaml`], { cluster: 'c1' });
}

// Kubernetes docs, "Ingress": the minimal Ingress.
const MINIMAL_INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: minimal-ingress
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /
spec:
  ingressClassName: nginx-example
  rules:
  - http:
      paths:
      - path: /testpath
        pathType: Prefix
        backend:
          service:
            name: test
            port:
              number: 80
`;

/** One rule of the docs' name based virtual hosting example: every path of `host` to `service`:80. */
const hostRule = (host: string, service: string) => `  - host: ${host}
    http:
      paths:
      - pathType: Prefix
        path: "/"
        backend:
          service:
            name: ${service}
            port:
              number: 80
`;

// Kubernetes docs, "Ingress": name based virtual hosting, and a default backend.
const VIRTUAL_HOSTS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: name-virtual-host-ingress
spec:
  defaultBackend:
    service:
      name: service3
      port:
        name: http
  rules:
${hostRule('foo.bar.com', 'service1')}${hostRule('bar.foo.com', 'service2')}`;

// Gateway API docs, "Simple Gateway".
const SIMPLE_GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: prod-web
spec:
  gatewayClassName: example
  listeners:
  - protocol: HTTP
    port: 80
    name: prod-web-gw
    allowedRoutes:
      namespaces:
        from: Same
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: foo
spec:
  parentRefs:
  - name: prod-web
  rules:
  - backendRefs:
    - name: foo-svc
      port: 8080
`;

// Gateway API docs: GRPCRoute, TLSRoute and TCPRoute examples.
const OTHER_ROUTES = `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: foo-route
spec:
  parentRefs:
  - name: example-gateway
  hostnames:
  - "example.com"
  rules:
  - matches:
    - method:
        service: com.example.User
        method: Login
    backendRefs:
    - name: foo-svc
      port: 50051
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata:
  name: tls-route
spec:
  parentRefs:
  - name: example-gateway
    sectionName: tls
  hostnames:
  - "*.example.com"
  rules:
  - backendRefs:
    - name: tls-backend
      port: 443
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata:
  name: tcp-app-1
spec:
  parentRefs:
  - name: my-tcp-gateway
    sectionName: foo
  rules:
  - backendRefs:
    - name: my-foo-service
      port: 6000
`;

describe('Ingress and Gateway API objects in the inventory', () => {
  it('reads the Kubernetes docs minimal Ingress with its class and backend Service', async () => {
    const { inventory, errors } = await load(MINIMAL_INGRESS);
    expect(errors).toEqual([]);
    expect(inventory.ingresses).toEqual([expect.objectContaining({
      kind: 'Ingress', cluster: 'c1', namespace: 'default', name: 'minimal-ingress', ingressClassName: 'nginx-example', hosts: [],
      backends: [{ namespace: 'default', service: 'test', port: 80 }], addresses: [],
    })]);
  });

  it('reads every host and backend of a virtual-host Ingress, the default backend by port name', async () => {
    const { inventory } = await load(VIRTUAL_HOSTS);
    const ing = inventory.ingresses![0];
    expect(ing.hosts).toEqual(['foo.bar.com', 'bar.foo.com']);
    expect(ing.backends.map((b) => [b.service, b.port])).toEqual([['service3', 'http'], ['service1', 80], ['service2', 80]]);
  });

  it('reads the Gateway API docs simple Gateway and its HTTPRoute, the parent in the route namespace', async () => {
    const { inventory, errors } = await load(SIMPLE_GATEWAY);
    expect(errors).toEqual([]);
    expect(inventory.gateways).toEqual([expect.objectContaining({
      kind: 'Gateway', name: 'prod-web', gatewayClassName: 'example', addresses: [],
      listeners: [{ name: 'prod-web-gw', port: 80, protocol: 'HTTP', allowedRoutes: { from: 'Same' } }],
    })]);
    expect(inventory.routes).toEqual([expect.objectContaining({
      kind: 'HTTPRoute', name: 'foo', parents: [{ namespace: 'default', name: 'prod-web' }], hostnames: [], backends: [{ namespace: 'default', service: 'foo-svc', port: 8080 }],
    })]);
  });

  it('reads GRPCRoute, TLSRoute (v1alpha2) and TCPRoute with their listeners and backends', async () => {
    const { inventory, errors } = await load(OTHER_ROUTES);
    expect(errors).toEqual([]);
    expect(inventory.routes!.map((r) => [r.kind, r.parents[0].sectionName, r.hostnames, r.backends[0].service, r.backends[0].port])).toEqual([
      ['GRPCRoute', undefined, ['example.com'], 'foo-svc', 50051],
      ['TLSRoute', 'tls', ['*.example.com'], 'tls-backend', 443],
      ['TCPRoute', 'foo', [], 'my-foo-service', 6000],
    ]);
  });

  it('skips a Gateway of another API group (Istio) with a warning naming the group', () => {
    const out = normalizeObject({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'istio-system' }, spec: {} }, { cluster: 'c1' });
    expect(out.kind).toBe('skipped');
    if (out.kind === 'skipped') expect(out.warning.message).toMatch(/Gateway of networking\.istio\.io\/v1 is not read \(only gateway\.networking\.k8s\.io\/\*\)/);
  });

  it('leaves out an Ingress backend naming an invalid Service with a warning naming the field, and reads the rest', async () => {
    const bad = VIRTUAL_HOSTS.replace('name: service1', 'name: Service_1');
    const { inventory, errors, warnings } = await load(bad);
    expect(errors).toEqual([]);
    expect(inventory.ingresses![0].backends.map((b) => b.service)).toEqual(['service3', 'service2']);
    expect(warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/name-virtual-host-ingress spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service\.name: "Service_1" is not a DNS-1123 label/));
  });

  it('leaves out a backend that is not a Service with a warning, reading the rest of the route', () => {
    const out = normalizeObject({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'web' },
      spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], rules: [{ backendRefs: [{ kind: 'ServiceImport', group: 'multicluster.x-k8s.io', name: 'x', port: 80 }, { name: 'y', port: 80 }] }] },
    }, { cluster: 'c1' });
    expect(out.kind).toBe('object');
    if (out.kind !== 'object') return;
    expect(out.object).toMatchObject({ parents: [{ namespace: 'infra', name: 'gw' }], backends: [{ namespace: 'web', service: 'y', port: 80 }] });
    expect(out.warnings!.map((w) => w.message)).toEqual([expect.stringMatching(/backendRefs\[0\] is a multicluster\.x-k8s\.io\/ServiceImport, not a Service/)]);
  });

  it('rejects a route with a host name that is not one, naming the object and the field', () => {
    const out = normalizeObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'web' }, spec: { hostnames: ['Bad Host'] } }, { cluster: 'c1' });
    expect(out.kind).toBe('invalid');
    if (out.kind === 'invalid') expect(out.error.message).toMatch(/^netatlas\/inventory: .*c1\/web\/HTTPRoute\/r spec\.hostnames\[0\]: "Bad Host" is not a host name/);
  });
});
