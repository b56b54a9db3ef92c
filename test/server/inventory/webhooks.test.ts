/**
 * Reading the webhooks the API server calls: Validating/MutatingWebhookConfiguration
 * (admissionregistration.k8s.io/v1) and CRD conversion webhooks (apiextensions.k8s.io/v1), and
 * the Service address ranges (networking.k8s.io/v1 ServiceCIDR), with the examples of the
 * Kubernetes documentation.
 */
import { describe, expect, it } from 'vitest';
import type { WebhookConfigurationInfo } from '../../../generator/model/index.ts';
import { assembleInventory } from '../../../server/inventory/assemble.ts';
import { normalizeObject } from '../../../server/inventory/normalize.ts';
import { parseDocuments } from '../../../server/inventory/parse-documents.ts';

const read = (yaml: string) => parseDocuments(yaml, 'hooks.yaml').objects.map((o) => normalizeObject(o.object, { cluster: 'c1', source: { file: 'hooks.yaml', line: o.line } }));
const webhookOf = (yaml: string): WebhookConfigurationInfo => {
  const [out] = read(yaml);
  if (out.kind !== 'object' || out.object.kind !== 'WebhookConfiguration') throw new Error(`not read: ${JSON.stringify(out)}`);
  return out.object;
};

/** "Dynamic Admission Control", Configure admission webhooks on the fly. */
const VALIDATING = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: "pod-policy.example.com"
webhooks:
- name: "pod-policy.example.com"
  rules:
  - apiGroups:   [""]
    apiVersions: ["v1"]
    operations:  ["CREATE"]
    resources:   ["pods"]
    scope:       "Namespaced"
  clientConfig:
    service:
      namespace: "example-namespace"
      name: "example-service"
    caBundle: "Ci0tLS0tQk"
  admissionReviewVersions: ["v1"]
  sideEffects: None
  timeoutSeconds: 5
`;

/** "Dynamic Admission Control", Service reference and URL. */
const MUTATING = `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: my-webhooks
webhooks:
- name: my-webhook.example.com
  clientConfig:
    caBundle: "Ci0tLS0tQk"
    service:
      namespace: my-service-namespace
      name: my-service-name
      path: /my-path
      port: 1234
  failurePolicy: Fail
- name: my-url-webhook.example.com
  clientConfig:
    url: "https://my-webhook.example.com:9443/my-webhook-path"
`;

/** "Versions in CustomResourceDefinitions", Configure CustomResourceDefinition to use conversion webhooks. */
const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.example.com
spec:
  group: example.com
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: ["v1","v1beta1"]
      clientConfig:
        service:
          namespace: default
          name: example-conversion-webhook-server
          path: /crdconvert
        caBundle: "Ci0tLS0tQk"
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
`;

describe('webhook configurations from the inventory', () => {
  const cases: { name: string; yaml: string; configKind: string; webhooks: unknown[] }[] = [
    {
      name: "a ValidatingWebhookConfiguration's Service, on port 443 when none is given", yaml: VALIDATING, configKind: 'ValidatingWebhookConfiguration',
      webhooks: [{ name: 'pod-policy.example.com', service: { namespace: 'example-namespace', name: 'example-service', port: 443 } }],
    },
    {
      name: "a MutatingWebhookConfiguration's Service on its port, and a URL webhook as a URL", yaml: MUTATING, configKind: 'MutatingWebhookConfiguration',
      webhooks: [
        { name: 'my-webhook.example.com', service: { namespace: 'my-service-namespace', name: 'my-service-name', port: 1234 }, failurePolicy: 'Fail' },
        { name: 'my-url-webhook.example.com', url: 'https://my-webhook.example.com:9443/my-webhook-path' },
      ],
    },
    {
      name: "a CRD's conversion webhook Service", yaml: CRD, configKind: 'CustomResourceDefinition',
      webhooks: [{ name: 'conversion', service: { namespace: 'default', name: 'example-conversion-webhook-server', port: 443 } }],
    },
    {
      name: 'no webhook for a CRD without conversion webhook', yaml: CRD.replace(/  conversion:[\s\S]*?caBundle: "Ci0tLS0tQk"\n/, ''), configKind: 'CustomResourceDefinition', webhooks: [],
    },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      const hook = webhookOf(c.yaml);
      expect(hook.configKind).toBe(c.configKind);
      expect(hook.webhooks).toEqual(c.webhooks);
    });
  }

  it('keeps webhook configurations in the assembled inventory, cluster-scoped', () => {
    const objects = [VALIDATING, CRD].map((y) => webhookOf(y));
    const inv = assembleInventory(objects, []);
    expect(inv.webhookConfigurations?.map((w) => `${w.cluster}/${w.configKind}/${w.name}`)).toEqual([
      'c1/ValidatingWebhookConfiguration/pod-policy.example.com', 'c1/CustomResourceDefinition/crontabs.example.com',
    ]);
    expect(inv.namespaces).toEqual([]);
  });

  it('rejects a webhook Service without a name, naming the file, the object and the field', () => {
    const [out] = read(VALIDATING.replace('      name: "example-service"\n', ''));
    expect(out.kind).toBe('invalid');
    expect(out.kind === 'invalid' && out.error.message).toMatch(/hooks\.yaml:1.*ValidatingWebhookConfiguration.*webhooks\[0\]\.clientConfig\.service needs namespace and name/);
  });

  it('rejects a webhook Service port out of range', () => {
    const [out] = read(MUTATING.replace('port: 1234', 'port: 70000'));
    expect(out.kind === 'invalid' && out.error.message).toMatch(/webhooks\[0\]\.clientConfig\.service\.port/);
  });
});

/** "Extend Service IP Ranges": a second ServiceCIDR. */
const SERVICE_CIDR = `apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata:
  name: newservicecidr
spec:
  cidrs:
  - 10.96.0.0/24
`;

describe('ServiceCIDR objects from the inventory', () => {
  it("reads a ServiceCIDR's ranges, cluster-scoped", () => {
    const [out] = read(SERVICE_CIDR);
    expect(out.kind === 'object' && out.object).toMatchObject({ kind: 'ServiceCIDR', cluster: 'c1', name: 'newservicecidr', cidrs: ['10.96.0.0/24'] });
    const inv = assembleInventory(out.kind === 'object' ? [out.object] : [], []);
    expect(inv.serviceCidrs?.map((s) => s.cidrs)).toEqual([['10.96.0.0/24']]);
  });

  it('rejects a ServiceCIDR range that is not a CIDR, naming the field', () => {
    const [out] = read(SERVICE_CIDR.replace('10.96.0.0/24', '10.96.0.0/40'));
    expect(out.kind === 'invalid' && out.error.message).toMatch(/ServiceCIDR.*spec\.cidrs\[0\]: prefix length "40" is out of range/);
  });
});
