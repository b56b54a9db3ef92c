/**
 * The human report: what each policy covers, what was left out and why, and the proof.
 */
import { formatSelector } from '../selectors/index.ts';
import { evidenceText } from './render.ts';
import type { PlannedPeer, PlannedRule, SynthesisReport } from './types.ts';
import type { Proof } from './verify.ts';

function peerText(p: PlannedPeer): string {
  switch (p.kind) {
    case 'workload': return `${p.namespace}/${formatSelector(p.selector)}`;
    case 'remote-workload': return `${p.key} as ${p.viaClusterCidr ? 'cluster CIDR' : 'pod addresses'} ${p.cidrs.join(',')}`;
    case 'cidr': return `${p.what} ${p.cidrs.join(',')}${p.fqdns.length ? ` (${p.fqdns.join(', ')})` : ''}`;
    case 'any-pod': return `every pod of cluster ${p.cluster}`;
    case 'entity': return `entity ${p.entity}`;
  }
}

function ruleText(r: PlannedRule): string {
  return `${r.ports.map((p) => `${p.protocol} ${p.port}`).join(', ')} ${r.peers.length === 1 ? '' : `(${r.peers.length} peers) `}${r.peers.map(peerText).join('; ')}`;
}

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());

function duration(ms: number): string {
  if (ms >= 86_400_000) return `${+(ms / 86_400_000).toFixed(1)}d`;
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(1)}h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${Math.round(ms / 1000)}s`;
}

export function formatSynthesisReport(r: SynthesisReport): string {
  const out: string[] = [];
  out.push(`policies: ${r.subjects.length} workload policies${r.defaultDenyNamespaces.length ? `, ${r.defaultDenyNamespaces.length} namespace default-deny` : ''}`);
  for (const s of r.subjects) {
    out.push(`${s.key}  selector ${formatSelector(s.selector)} (${s.selectorSource}, ${s.pods} pod${s.pods === 1 ? '' : 's'})  ${evidenceText(s.evidence)}`);
    for (const rule of s.ingress) out.push(`  ingress ${ruleText(rule)}`);
    if (s.ingress.length === 0) out.push('  ingress (none: denies all)');
    for (const rule of s.egress) out.push(`  egress  ${ruleText(rule)}`);
    if (s.egress.length === 0) out.push('  egress  (none: denies all)');
  }
  if (r.skipped.length) {
    out.push(`skipped workloads: ${r.skipped.length}`);
    for (const s of r.skipped) out.push(`  ${s.reason}: ${s.detail}`);
  }
  if (r.leftOut.length) {
    const byReason = new Map<string, number>();
    for (const l of r.leftOut) byReason.set(l.reason, (byReason.get(l.reason) ?? 0) + 1);
    out.push(`left out: ${r.leftOut.length} (${[...byReason].map(([k, v]) => `${k} ${v}`).join(', ')})`);
    for (const l of r.leftOut) out.push(`  ${l.reason}: ${l.edge}: ${l.detail}`);
  }
  if (r.baseline.length) {
    out.push(`baseline rules: ${r.baseline.length} (written whether or not the window saw the traffic; --without-baseline RULE switches one off)`);
    for (const b of r.baseline) out.push(`  ${b.rule}: ${b.subject} ${b.direction} ${b.what}: ${b.reason}`);
  }
  if (r.direction !== 'both') out.push(`direction: ${r.direction} only (the other direction is not isolated)`);
  for (const c of r.coverage) {
    const window = c.firstSeen === undefined ? 'no traffic observed' : `${iso(c.firstSeen)} .. ${iso(c.lastSeen)} (${duration(c.lastSeen! - c.firstSeen)})`;
    out.push(`coverage of cluster ${c.cluster}: window ${window}; never seen ${c.neverSeen.length}; seen for less than ${duration(r.shortSeenMs)} ${c.shortSeen.length}`);
    for (const k of c.neverSeen) out.push(`  never seen (no policy written): ${k}`);
    for (const x of c.shortSeen) out.push(`  short-seen (observed ${duration(x.seenMs)}; its policy may miss rare traffic): ${x.key}`);
  }
  if (r.notes.length) {
    out.push('notes:');
    for (const n of r.notes) out.push(`  ${n}`);
  }
  return `${out.join('\n')}\n`;
}

export function formatProof(p: Proof): string {
  const out: string[] = [];
  out.push(`broken: ${p.broken} (observed allowed flows the generated set would deny; ${p.checked} pod pairs checked)`);
  for (const b of p.brokenFlows) out.push(`  BROKEN ${b.source} -> ${b.destination} ${b.protocol}/${b.port} denied at ${b.deniedBy} (${b.edge})`);
  out.push(`unproven: ${p.unproven} (observed flows touching an isolated workload the proof could not check)`);
  for (const u of p.unprovenFlows) out.push(`  UNPROVEN ${u.edge}: ${u.reason}`);
  out.push(`extra: ${p.extra} (workload pairs allowed beyond what was observed)`);
  for (const x of p.extraConnections) out.push(`  EXTRA ${x.source} -> ${x.destination} ${x.connections}`);
  if (p.excluded.length) {
    out.push(`excluded from extra: ${p.excluded.length}`);
    for (const x of p.excluded) out.push(`  ${x.source} -> ${x.destination} ${x.connections}: ${x.reason}`);
  }
  out.push('by construction, extra does not count:');
  for (const e of p.exclusions) out.push(`  - ${e}`);
  return `${out.join('\n')}\n`;
}
