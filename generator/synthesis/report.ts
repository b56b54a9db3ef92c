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
    case 'entity': return `entity ${p.entity}`;
  }
}

function ruleText(r: PlannedRule): string {
  return `${r.ports.map((p) => `${p.protocol} ${p.port}`).join(', ')} ${r.peers.length === 1 ? '' : `(${r.peers.length} peers) `}${r.peers.map(peerText).join('; ')}`;
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
