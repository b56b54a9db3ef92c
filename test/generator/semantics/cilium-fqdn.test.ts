/**
 * Cilium toFQDNs against DNS answers seen in flows: the selector rules of Cilium's DNS-based
 * policy docs (matchName, matchPattern), and the engine matching the addresses seen.
 */
import { describe, expect, it } from 'vitest';
import type { PodInfo } from '../../../generator/model/index.ts';
import { createEngine, dnsAnswersOf, fqdnSelects, withObservedDns, type Peer } from '../../../generator/semantics/index.ts';
import { cilium, node, ns, pod, snapshot } from './builders.ts';

describe('fqdnSelects: Cilium\'s FQDN selector', () => {
  const table: [selector: string, name: string, expected: boolean][] = [
    ['my-remote-service.com', 'my-remote-service.com', true], // the docs' matchName example
    ['my-remote-service.com', 'MY-REMOTE-SERVICE.COM.', true], // case and a trailing dot do not matter
    ['my-remote-service.com', 'api.my-remote-service.com', false], // matchName is exact
    ['*.cilium.io', 'sub.cilium.io', true], // the docs' matchPattern example
    ['*.cilium.io', 'cilium.io', false],
    ['*.cilium.io', 'a.b.cilium.io', false], // `*` stays within one label
    ['**.cilium.io', 'a.b.cilium.io', true], // a leading `**.` spans labels
    ['**.cilium.io', 'cilium.io', false],
    ['api*.example.com', 'api-eu.example.com', true],
    ['api*.example.com', 'web.example.com', false],
    ['*', 'anything.example.org', true], // `*` alone: every name
    ['a.b', 'axb', false], // dots are literal
  ];
  it.each(table)('%s selects %s: %s', (selector, name, expected) => {
    expect(fqdnSelects(selector, name)).toBe(expected);
  });
});

describe('toFQDNs peers with DNS answers from flows', () => {
  const web = pod('shop', 'web', { app: 'web' }, { ips: ['10.0.0.1'], nodeName: 'n1' });
  const P = (p: PodInfo): Peer => ({ kind: 'pod', pod: p });
  const IP = (ip: string): Peer => ({ kind: 'ip', ip });
  const toApi = cilium('to-api', { endpointSelector: { matchLabels: { app: 'web' } }, egress: [{ fqdns: ['api.github.com'], toPorts: [{ ports: [{ port: 443, protocol: 'TCP' }] }] }] }, 'shop');
  const answers = dnsAnswersOf([['api.github.com.', '140.82.112.5'], ['api.github.com', '140.82.112.6'], ['evil.example', '6.6.6.6']]);
  const engineWith = (policies = [toApi]) => createEngine(snapshot({ namespaces: [ns('shop')], nodes: [node('n1', ['192.168.0.1'])], pods: [web], ciliumNetworkPolicies: policies }));

  it('allows the addresses the name was seen to resolve to, on the rule\'s ports', () => {
    const engine = engineWith(withObservedDns([toApi], answers));
    expect(engine.allowedConnections(P(web), IP('140.82.112.5')).toString()).toBe('TCP 443');
    expect(engine.allowedConnections(P(web), IP('140.82.112.6')).toString()).toBe('TCP 443');
  });

  it('does not allow an address another name resolved to', () => {
    const engine = engineWith(withObservedDns([toApi], answers));
    expect(engine.allowedConnections(P(web), IP('6.6.6.6')).toString()).toBe('No Connections');
  });

  it('without DNS answers the FQDN peer matches nothing and validation says it is unknowable', () => {
    const engine = engineWith();
    expect(engine.allowedConnections(P(web), IP('140.82.112.5')).toString()).toBe('No Connections');
    expect(engine.validation.warnings.map((w) => w.message).join('\n')).toMatch(/toFQDNs api\.github\.com cannot be checked statically/);
  });

  it('validation names how many addresses the flows gave, and says when none matched', () => {
    const resolved = engineWith(withObservedDns([toApi], answers)).validation.warnings.map((w) => w.message).join('\n');
    expect(resolved).toMatch(/toFQDNs api\.github\.com is matched against the DNS answers seen in flows: 2 address\(es\) \(140\.82\.112\.5, 140\.82\.112\.6\)/);
    const none = engineWith(withObservedDns([toApi], dnsAnswersOf([['other.example', '1.2.3.4']]))).validation.warnings.map((w) => w.message).join('\n');
    expect(none).toMatch(/toFQDNs api\.github\.com: no DNS answer in the flows matches/);
  });

  it('cuts the map\'s external ranges at the addresses seen', () => {
    const engine = engineWith(withObservedDns([toApi], answers));
    const rows = engine.connectivityMap().filter((r) => r.src.startsWith('shop/web'));
    expect(rows.map((r) => `${r.dst} : ${r.connections.toString()}`)).toEqual(['140.82.112.5-140.82.112.5 : TCP 443', '140.82.112.6-140.82.112.6 : TCP 443']);
  });

  it('leaves policies without toFQDNs as they are (the same object)', () => {
    const plain = cilium('plain', { endpointSelector: {}, egress: [{ entities: ['world'] }] }, 'shop');
    expect(withObservedDns([plain], answers)[0]).toBe(plain);
  });
});
