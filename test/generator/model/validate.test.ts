import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../generator/model/flow.ts';
import {
  countProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  flowLabelProblem,
  flowRecordProblem,
  ipProblem,
  keyProblem,
  labelKeyProblem,
  labelValueProblem,
  MAX_CLOCK_AHEAD_MS,
  MAX_FLOW_COUNT,
  observerProblem,
  portProblem,
  printable,
  timeProblem,
} from '../../../generator/model/validate.ts';

const NOW = Date.UTC(2026, 0, 1);
const webToApi: FlowRecord = {
  time: NOW - 1000,
  source: { cluster: 'prod', namespace: 'shop', podName: 'web-1', ip: '10.0.0.1', labels: ['k8s:app=web', 'reserved:host'] },
  destination: { cluster: 'prod', namespace: 'shop', podName: 'api-1', ip: 'fd00::2', port: 8080, service: { namespace: 'shop', name: 'api' } },
  protocol: 'TCP',
  port: 8080,
  verdict: 'FORWARDED',
  observer: 'prod/node-a',
  count: 1,
};

describe('Kubernetes name rules', () => {
  it.each([
    ['shop', true], ['a', true], ['a-b-1', true], ['x'.repeat(63), true],
    ['', false], ['Shop', false], ['-shop', false], ['shop-', false], ['a.b', false], ['a/b', false], ['x'.repeat(64), false], ['a\u0000b', false],
  ])('a namespace %j is a DNS-1123 label: %s', (name, ok) => {
    expect(dns1123LabelProblem(name) === undefined).toBe(ok);
  });

  it.each([
    ['web-1', true], ['web.v1.a', true], [`${'a'.repeat(63)}.${'b'.repeat(63)}`, true], ['a'.repeat(253), true],
    ['a'.repeat(254), false], ['web/1', false], ['web..1', false], ['.web', false], ['Web', false], ['web_1', false], ['we\u001b[31mb', false],
  ])('a pod name %j is a DNS-1123 subdomain: %s', (name, ok) => {
    expect(dns1123SubdomainProblem(name) === undefined).toBe(ok);
  });

  it.each([
    ['app', true], ['app.kubernetes.io/name', true], ['A_b.C-9', true], ['x'.repeat(63), true],
    ['x'.repeat(64), false], [`example.com/${'x'.repeat(64)}`, false], ['Example.com/app', false], ['/app', false], ['a/', false], ['a/b/c', false], ['app<b>', false], ['', false],
  ])('a label key %j is valid: %s', (key, ok) => {
    expect(labelKeyProblem(key) === undefined).toBe(ok);
  });

  it.each([
    ['', true], ['web', true], ['v1.2_3-a', true], ['x'.repeat(63), true],
    ['x'.repeat(64), false], ['-web', false], ['a b', false], ['<script>', false], ['a\u0000', false],
  ])('a label value %j is valid: %s', (value, ok) => {
    expect(labelValueProblem(value) === undefined).toBe(ok);
  });

  it.each([
    ['k8s:app=web', true], ['k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=shop', true], ['reserved:world', true], ['cidr:fd00::/8', true],
    [`k8s:${'k'.repeat(67)}=v`, false], ['k8s:app=we\u0000b', false], ['k8s:app=<img src=x>', false], ['fqdn:\u001b]0;owned\u0007', false],
  ])('a raw flow label %j is valid: %s', (raw, ok) => {
    expect(flowLabelProblem(raw) === undefined).toBe(ok);
  });

  it.each([['node-a', true], ['prod/node-a', true], ['prod/node/a', false], ['a/b\u001b', false], ['Node_A', false]])('an observer %j is valid: %s', (name, ok) => {
    expect(observerProblem(name) === undefined).toBe(ok);
  });
});

describe('numbers and addresses', () => {
  it.each([
    ['10.0.0.1', true], ['255.255.255.255', true], ['fd00::1', true], ['::ffff:10.0.0.1', true], ['2001:db8::', true],
    ['999.1.1.1', false], ['x', false], ['', false], ['10.0.0', false], ['010.0.0.1', false], ['0x7f.0.0.1', false], ['fe80::1%eth0', false], ['fd00::/8', false], ['10.0.0.0/8', false],
  ])('an IP %j is valid: %s', (ip, ok) => {
    expect(ipProblem(ip) === undefined).toBe(ok);
  });

  it.each([[0, true], [443, true], [65535, true], [70000, false], [-1, false], [1.5, false], [Number.NaN, false]])('a port %s is valid: %s', (port, ok) => {
    expect(portProblem(port) === undefined).toBe(ok);
  });

  it.each([[0, true], [1, true], [MAX_FLOW_COUNT, true], [MAX_FLOW_COUNT + 1, false], [1e20, false], [-1, false], [2.5, false], [Number.POSITIVE_INFINITY, false]])('a count %s is valid: %s', (count, ok) => {
    expect(countProblem(count) === undefined).toBe(ok);
  });

  it.each([
    [NOW, true], [0, true], [NOW + MAX_CLOCK_AHEAD_MS, true],
    [NOW + MAX_CLOCK_AHEAD_MS + 1, false], [Date.UTC(2098, 0, 1), false], [-1, false], [Number.NaN, false], [1e300, false],
  ])('a time %s is valid against the receiving clock: %s', (time, ok) => {
    expect(timeProblem(time, NOW) === undefined).toBe(ok);
  });
});

describe('flow records', () => {
  it('accepts a record whose every value is good', () => {
    expect(flowRecordProblem(webToApi, NOW)).toBeUndefined();
  });

  it.each<[string, FlowRecord, RegExp]>([
    ['a namespace with a slash', { ...webToApi, source: { ...webToApi.source, namespace: 'shop/evil' } }, /^source namespace "shop\/evil" is not a DNS-1123 label/],
    ['a cluster with a slash', { ...webToApi, destination: { ...webToApi.destination, cluster: 'a/b' } }, /^destination cluster "a\/b"/],
    ['an impossible IPv4', { ...webToApi, destination: { ip: '999.1.1.1' } }, /^destination IP "999\.1\.1\.1" is not an IP address/],
    ['a word for an IP', { ...webToApi, source: { ip: 'x' } }, /^source IP "x"/],
    ['port 70000', { ...webToApi, port: 70000 }, /^port 70000 is not a port/],
    ['a count of 1e20', { ...webToApi, count: 1e20 }, /^count 100000000000000000000 is not a connection count/],
    ['a time 70 years ahead', { ...webToApi, time: Date.UTC(2098, 0, 1) }, /^time 2098-01-01T00:00:00\.000Z is outside the accepted window/],
    ['a terminal escape in a pod name', { ...webToApi, source: { ...webToApi.source, podName: 'web\u001b[2J' } }, /^source pod name "web\\u001b\[2J"/],
    ['a 67-character label key', { ...webToApi, source: { ...webToApi.source, labels: [`k8s:${'k'.repeat(67)}=v`] } }, /^source label key "k{67}" is invalid/],
    ['a NUL in a label value', { ...webToApi, source: { ...webToApi.source, labels: ['k8s:app=a\u0000'] } }, /^source label value "a\\u0000" is invalid/],
    ['a service name with a slash', { ...webToApi, destination: { ...webToApi.destination, service: { name: 'a/b' } } }, /^destination service name "a\/b"/],
    ['an observer with control characters', { ...webToApi, observer: 'node\u0007' }, /^observer \(node_name\)/],
    ['an L7 summary with an escape', { ...webToApi, l7: 'HTTP GET /\u001b]52;c;x\u0007' }, /^L7 summary .* holds control characters/],
    ['a DNS answer that is no address', { ...webToApi, dns: { query: 'api.example.com', ips: ['10.0.0.1', 'nope'] } }, /^DNS answer "nope"/],
  ])('rejects %s with a reason', (_what, record, reason) => {
    expect(flowRecordProblem(record, NOW)).toMatch(reason);
  });

  it('rejects every record whose namespace holds a character outside [a-z0-9-]', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => /[^a-z0-9-]/.test(s)), (ns) => {
      expect(flowRecordProblem({ ...webToApi, source: { ...webToApi.source, namespace: ns } }, NOW)).toMatch(/^source namespace/);
    }));
  });
});

describe('printable', () => {
  it.each([
    ['web-1', 'web-1'],
    ['a\u001b[31mred', 'a\\u001b[31mred'],
    ['bell\u0007', 'bell\\u0007'],
    ['csi\u009b2J', 'csi\\u009b2J'],
    ['caf\u00e9', 'caf\u00e9'],
  ])('shows %j as %j', (value, shown) => {
    expect(printable(value)).toBe(shown);
  });

  it('leaves no control character in anything it prints', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(printable(s)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }));
  });
});

describe('stored keys', () => {
  it.each([
    ['wl:prod/shop/Deployment/web', true], ['pod:prod/shop/web-1', true], ['svc:prod/shop/api', true], ['ext:fd00::1', true], ['ext:93.184.216.34', true],
    ['reserved:prod/world', true], ['unknown:prod/10.0.0.9', true], ['unknown:prod/identity-42', true], ['host:prod/node-a', true], ['ns:prod/shop', true],
    ['wl:prod/shop/evil/Deployment/x', false], ['wl:prod/shop/Gadget/x', false], ['ext:999.1.1.1', false], ['ext:x', false], ['reserved:prod/anything', false],
    ['pod:prod/Shop/web', false], ['svc:a b/shop/api', false], ['unknown:prod/nope', false], ['nokey', false],
  ])('%j is a key netatlas builds today: %s', (key, ok) => {
    expect(keyProblem(key) === undefined).toBe(ok);
  });
});
