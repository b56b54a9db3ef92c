/**
 * Hubble's deciding policies (`egress_allowed_by`, `ingress_denied_by`, ...) on FlowRecord.policy,
 * in the text Calico's policy hits use, read alike by the byte decoder and by JSON.parse.
 */
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../generator/model/flow.ts';
import type { HubbleDecoderKind } from '../../../server/flows/index.ts';
import { parseLines } from './helpers.ts';

/** A Policy entry as Cilium 1.15+ writes it. */
const cnp = (name: string, namespace = 'shop') => ({ name, namespace, labels: [`k8s:io.cilium.k8s.policy.name=${name}`, `k8s:io.cilium.k8s.policy.namespace=${namespace}`], revision: '6', kind: 'CiliumNetworkPolicy' });
const ccnp = (name: string) => ({ name, labels: [`k8s:io.cilium.k8s.policy.name=${name}`], revision: '2', kind: 'CiliumClusterwideNetworkPolicy' });
/** An entry of a Cilium version whose Policy has no `kind`: the kind is in its derived-from label. */
const oldNetpol = (name: string) => ({ name, namespace: 'shop', labels: ['k8s:io.cilium.k8s.policy.derived-from=NetworkPolicy', `k8s:io.cilium.k8s.policy.name=${name}`], revision: '3' });

/** A policy-verdict line as `hubble observe -o jsonpb` prints it: the lists after Summary. */
function verdictLine(verdict: string, direction: string, lists: Record<string, unknown>, sport = 41000, node = 'node-a'): string {
  const flow = {
    time: '2024-05-01T10:00:00.123456789Z', verdict, IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: sport, destination_port: 8080, flags: { SYN: true } } },
    source: { identity: 1234, namespace: 'shop', labels: ['k8s:app=web'], pod_name: 'web-1' },
    destination: { identity: 5678, namespace: 'shop', labels: ['k8s:app=api'], pod_name: 'api-1' },
    Type: 'L3_L4', node_name: node, event_type: { type: 5 }, traffic_direction: direction, policy_match_type: 1,
    ...(verdict === 'DROPPED' ? { drop_reason_desc: 'POLICY_DENY' } : {}), Summary: 'TCP Flags: SYN', ...lists,
  };
  return JSON.stringify({ flow, node_name: node, time: flow.time });
}
/**
 * The source node's trace of the same connection (no policy lists): what Hubble usually reports
 * first. With `is_reply`, as Hubble writes it, so the byte decoder's quick duplicate path sees it.
 */
const sourceTrace = (verdict = 'FORWARDED'): string => verdictLine(verdict, 'EGRESS', { is_reply: false }, 41000, 'node-a');
/** The destination node's report of it, with its lists. */
const destinationReport = (verdict: string, lists: Record<string, unknown>): string => verdictLine(verdict, 'INGRESS', { ...lists, is_reply: false }, 41000, 'node-b');

const DECODERS: readonly HubbleDecoderKind[] = ['bytes', 'json'];

/** The records and counters of `lines` through one decoder. */
const read = (lines: readonly string[], hubbleDecoder: HubbleDecoderKind) => parseLines(lines, { format: 'hubble', hubbleDecoder });

describe('the deciding policy of a Hubble flow', () => {
  it.each<[string, string, string, Record<string, unknown>, string | undefined]>([
    ['an egress deny names the namespaced policy with its kind', 'DROPPED', 'EGRESS', { egress_denied_by: [cnp('deny-web-to-api')] }, 'shop/CiliumNetworkPolicy/deny-web-to-api'],
    ['an ingress allow names the policy on the ingress list', 'FORWARDED', 'INGRESS', { ingress_allowed_by: [cnp('allow-web')] }, 'shop/CiliumNetworkPolicy/allow-web'],
    ['a clusterwide policy has no namespace part', 'DROPPED', 'INGRESS', { ingress_denied_by: [ccnp('lockdown')] }, 'CiliumClusterwideNetworkPolicy/lockdown'],
    ['a FORWARDED flow reads the allowed list, never the denied one', 'FORWARDED', 'EGRESS', { egress_denied_by: [cnp('deny')], egress_allowed_by: [cnp('allow')] }, 'shop/CiliumNetworkPolicy/allow'],
    ['the flow\'s direction picks its own list first', 'FORWARDED', 'INGRESS', { egress_allowed_by: [cnp('out')], ingress_allowed_by: [cnp('in')] }, 'shop/CiliumNetworkPolicy/in'],
    ['the other direction\'s list is read when the own one is absent', 'DROPPED', 'INGRESS', { egress_denied_by: [cnp('out')] }, 'shop/CiliumNetworkPolicy/out'],
    ['of several policies the first decides', 'FORWARDED', 'EGRESS', { egress_allowed_by: [cnp('first'), cnp('second')] }, 'shop/CiliumNetworkPolicy/first'],
    ['an older Cilium entry takes its kind from its derived-from label', 'FORWARDED', 'INGRESS', { ingress_allowed_by: [oldNetpol('allow-web')] }, 'shop/NetworkPolicy/allow-web'],
    ['an entry without a name (an implicit rule) names no policy', 'FORWARDED', 'INGRESS', { ingress_allowed_by: [{ labels: ['k8s:io.cilium.k8s.policy.derived-from=allow-localhost-ingress'] }] }, undefined],
    ['an AUDIT flow names no policy (its denied list says what would have denied it)', 'AUDIT', 'EGRESS', { egress_denied_by: [cnp('would-deny')] }, undefined],
    ['a DROPPED flow with only an allowed list names no policy', 'DROPPED', 'EGRESS', { egress_allowed_by: [cnp('allow')] }, undefined],
    ['a flow without the lists names no policy', 'FORWARDED', 'EGRESS', {}, undefined],
  ])('%s', (_what, verdict, direction, lists, expected) => {
    for (const decoder of DECODERS) {
      const { records, stats } = read([verdictLine(verdict, direction, lists)], decoder);
      expect(records, decoder).toHaveLength(1);
      expect(records[0].policy, decoder).toBe(expected);
      expect(stats.ignored, decoder).toBe(0);
    }
  });

  it.each<[string, unknown, string]>([
    ['a name with a slash', { ...cnp('x'), name: 'evil/../name' }, 'name "evil/../name" is not a DNS-1123 subdomain'],
    ['a name with control characters', { ...cnp('x'), name: 'web\u001b[31m' }, 'name "web\\u001b[31m" is not a DNS-1123 subdomain'],
    ['an upper-case namespace', { ...cnp('x'), namespace: 'Shop' }, 'namespace "Shop" is not a DNS-1123 label'],
    ['a kind that is not a kind', { ...cnp('x'), kind: 'Cilium Network Policy' }, 'kind "Cilium Network Policy" is not a Kubernetes kind'],
    ['a name that is not a string', { ...cnp('x'), name: 42 }, 'has a name that is not a string'],
    ['an entry that is not an object', 'shop/allow', 'is not a policy object'],
  ])('counts and ignores an entry with %s; the flow is kept without it', (_what, entry, problem) => {
    for (const decoder of DECODERS) {
      const { records, stats } = read([verdictLine('DROPPED', 'EGRESS', { egress_denied_by: [entry] })], decoder);
      expect(records, decoder).toHaveLength(1);
      expect(records[0].policy, decoder).toBeUndefined();
      expect(stats, decoder).toMatchObject({ ignored: 1, malformed: 0, records: 1 });
      expect(stats.errors[0], decoder).toContain(`egress_denied_by[0] ${problem}`);
      expect(stats.errors[0], decoder).toMatch(/^test\.jsonl:1: /);
    }
  });

  it('takes the first valid entry after a hostile one, counting the hostile one', () => {
    for (const decoder of DECODERS) {
      const { records, stats } = read([verdictLine('DROPPED', 'EGRESS', { egress_denied_by: [{ ...cnp('x'), name: 'Bad Name' }, cnp('deny-web')] })], decoder);
      expect(records[0].policy, decoder).toBe('shop/CiliumNetworkPolicy/deny-web');
      expect(stats.ignored, decoder).toBe(1);
    }
  });

  it('counts a hostile entry once per connection, also when the byte decoder reads its lines from a cached run', () => {
    const lines = [41000, 41001, 41002].map((sport) => verdictLine('DROPPED', 'EGRESS', { egress_denied_by: [{ ...cnp('x'), name: 'a/b' }] }, sport));
    for (const decoder of DECODERS) {
      const { records, stats } = read(lines, decoder);
      expect(records.map((r) => r.policy), decoder).toEqual([undefined, undefined, undefined]);
      expect(stats.ignored, decoder).toBe(3);
    }
  });

  it('counts every hostile entry of a long list in one message', () => {
    const hostile = Array.from({ length: 1000 }, (_, i) => ({ ...cnp('x'), name: `Bad ${i}` }));
    for (const decoder of DECODERS) {
      const messages: string[] = [];
      const state = parseLines([verdictLine('DROPPED', 'EGRESS', { egress_denied_by: hostile })], { format: 'hubble', hubbleDecoder: decoder, onError: (m) => messages.push(m) });
      expect(state.stats.ignored, decoder).toBe(1000);
      expect(messages, decoder).toHaveLength(1);
      expect(messages[0], decoder).toContain('egress_denied_by[0] name "Bad 0" is not a DNS-1123 subdomain');
      expect(messages[0], decoder).toContain('(and 999 more entries)');
    }
  });

  it('counts a list that is not a list', () => {
    for (const decoder of DECODERS) {
      const { records, stats } = read([verdictLine('FORWARDED', 'EGRESS', { egress_allowed_by: 'allow-web' })], decoder);
      expect(records[0].policy, decoder).toBeUndefined();
      expect(stats.ignored, decoder).toBe(1);
    }
  });

  it('reads the protojson (camelCase) names too', () => {
    const { records } = read([verdictLine('DROPPED', 'INGRESS', { ingressDeniedBy: [cnp('deny-in')] })], 'bytes');
    expect(records[0].policy).toBe('shop/CiliumNetworkPolicy/deny-in');
  });

  it('names the deny on the correction a later DROPPED report of a FORWARDED connection emits', () => {
    for (const decoder of DECODERS) {
      const lines = [verdictLine('FORWARDED', 'EGRESS', {}), verdictLine('DROPPED', 'INGRESS', { ingress_denied_by: [cnp('deny-web')] })];
      const { records } = read(lines, decoder);
      expect(records.map((r: FlowRecord) => [r.verdict, r.supersedes, r.policy]), decoder).toEqual([
        ['FORWARDED', undefined, undefined],
        ['DROPPED', 'FORWARDED', 'shop/CiliumNetworkPolicy/deny-web'],
      ]);
    }
  });

  it('gives every connection of a run of repeated lines its own policy, from cached runs', () => {
    // Same bytes from the source endpoint on: the byte decoder reads the lists from its run cache.
    const lines = [41000, 41001, 41002].map((sport) => verdictLine('DROPPED', 'EGRESS', { egress_denied_by: [cnp('deny-web')] }, sport));
    const bytes = read(lines, 'bytes');
    expect(bytes.records.map((r) => r.policy)).toEqual(Array(3).fill('shop/CiliumNetworkPolicy/deny-web'));
    expect(bytes.records).toEqual(read(lines, 'json').records);
    expect(bytes.state.hubble!.caches.runs.size).toBeGreaterThan(0);
  });
});

/** A record as [verdict, count, supersedes, policy]. */
const summary = (r: FlowRecord) => [r.verdict, r.count, r.supersedes, r.policy];

describe('the deciding policy named by a later report of a counted connection', () => {
  it.each<[string, string[], unknown[][], number]>([
    ['an ingress allow after the source node\'s trace comes as a policy correction that counts nothing',
      [sourceTrace(), destinationReport('FORWARDED', { ingress_allowed_by: [cnp('allow-web')] })],
      [['FORWARDED', 1, undefined, undefined], ['FORWARDED', 0, 'FORWARDED', 'shop/CiliumNetworkPolicy/allow-web']], 0],
    ['only the first report that names a policy corrects; a later one is a duplicate',
      [sourceTrace(), destinationReport('FORWARDED', { ingress_allowed_by: [cnp('allow-web')] }), destinationReport('FORWARDED', { ingress_allowed_by: [cnp('other')] })],
      [['FORWARDED', 1, undefined, undefined], ['FORWARDED', 0, 'FORWARDED', 'shop/CiliumNetworkPolicy/allow-web']], 1],
    ['a counted record that named its policy gets no correction',
      [destinationReport('FORWARDED', { ingress_allowed_by: [cnp('allow-web')] }), destinationReport('FORWARDED', { ingress_allowed_by: [cnp('other')] })],
      [['FORWARDED', 1, undefined, 'shop/CiliumNetworkPolicy/allow-web']], 1],
    ['a later report of another verdict of the same rank corrects nothing',
      [sourceTrace(), destinationReport('REDIRECTED', { ingress_allowed_by: [cnp('allow-web')] })],
      [['FORWARDED', 1, undefined, undefined]], 1],
    ['a later AUDIT report names nothing (its denied list is not a deny)',
      [sourceTrace(), destinationReport('AUDIT', { ingress_denied_by: [cnp('would-deny')] })],
      [['FORWARDED', 1, undefined, undefined]], 1],
    ['a later report without lists is a duplicate',
      [sourceTrace(), destinationReport('FORWARDED', {})],
      [['FORWARDED', 1, undefined, undefined]], 1],
    ['a DROPPED after a FORWARDED is a verdict correction with its deny, as before',
      [sourceTrace(), destinationReport('DROPPED', { ingress_denied_by: [cnp('deny-web')] }), destinationReport('DROPPED', { ingress_denied_by: [cnp('other')] })],
      [['FORWARDED', 1, undefined, undefined], ['DROPPED', 1, 'FORWARDED', 'shop/CiliumNetworkPolicy/deny-web']], 1],
    ['a deny named after a drop counted without one comes as a policy correction of the drop',
      [sourceTrace('DROPPED'), destinationReport('DROPPED', { ingress_denied_by: [cnp('deny-web')] })],
      [['DROPPED', 1, undefined, undefined], ['DROPPED', 0, 'DROPPED', 'shop/CiliumNetworkPolicy/deny-web']], 0],
  ])('%s', (_what, lines, expected, duplicates) => {
    for (const decoder of DECODERS) {
      const { records, stats } = read(lines, decoder);
      expect(records.map(summary), decoder).toEqual(expected);
      expect(stats.duplicates, decoder).toBe(duplicates);
      expect(stats.records, decoder).toBe(expected.length);
    }
  });

  it('counts the hostile entries of a later report once, and takes the policy of the next valid one', () => {
    const hostile = destinationReport('FORWARDED', { ingress_allowed_by: [{ ...cnp('x'), name: 'a/b' }] });
    const valid = destinationReport('FORWARDED', { ingress_allowed_by: [cnp('allow-web')] });
    for (const decoder of DECODERS) {
      const { records, stats } = read([sourceTrace(), hostile, valid], decoder);
      expect(records.map(summary), decoder).toEqual([['FORWARDED', 1, undefined, undefined], ['FORWARDED', 0, 'FORWARDED', 'shop/CiliumNetworkPolicy/allow-web']]);
      expect(stats, decoder).toMatchObject({ ignored: 1, duplicates: 1, records: 2 });
    }
  });

  it('reads a later report\'s protojson (camelCase) lists too', () => {
    const camel = destinationReport('FORWARDED', { ingressAllowedBy: [cnp('allow-web')] });
    for (const decoder of DECODERS) {
      expect(read([sourceTrace(), camel], decoder).records.map(summary), decoder).toEqual([['FORWARDED', 1, undefined, undefined], ['FORWARDED', 0, 'FORWARDED', 'shop/CiliumNetworkPolicy/allow-web']]);
    }
  });
});
