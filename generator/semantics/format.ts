/**
 * Text forms of the connectivity map: txt (`SRC => DST : CONN`), json, csv, md, dot.
 */
import type { ConnectivityRow, MapPeer } from './types.ts';

export type MapFormat = 'txt' | 'json' | 'csv' | 'md' | 'dot';
export const MAP_FORMATS: readonly MapFormat[] = ['txt', 'json', 'csv', 'md', 'dot'];

export function formatConnectivityMap(rows: readonly ConnectivityRow[], format: MapFormat): string {
  switch (format) {
    case 'txt':
      return rows.map((r) => `${r.src} => ${r.dst} : ${r.conn}\n`).join('');
    case 'json':
      return `${JSON.stringify(rows.map((r) => ({ src: r.src, dst: r.dst, conn: r.conn })), null, 2)}\n`;
    case 'csv':
      return `src,dst,conn\n${rows.map((r) => [r.src, r.dst, r.conn].map(csvCell).join(',')).join('\n')}${rows.length ? '\n' : ''}`;
    case 'md':
      return `| src | dst | conn |\n|-----|-----|------|\n${rows.map((r) => `| ${md(r.src)} | ${md(r.dst)} | ${md(r.conn)} |\n`).join('')}`;
    case 'dot':
      return toDot(rows);
  }
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function md(s: string): string {
  return s.replace(/\|/g, '\\|');
}
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Namespaces are clusters (subgraphs); external ranges stand alone. */
function toDot(rows: readonly ConnectivityRow[]): string {
  const peers = new Map<string, MapPeer>();
  for (const r of rows) {
    peers.set(r.src, r.srcPeer);
    peers.set(r.dst, r.dstPeer);
  }
  const groups = new Map<string, string[]>();
  const loose: string[] = [];
  for (const [label, p] of [...peers].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (p.kind === 'workload') {
      const g = `${p.cluster}/${p.namespace}`;
      const l = groups.get(g) ?? [];
      l.push(label);
      groups.set(g, l);
    } else loose.push(label);
  }
  const out: string[] = ['digraph connectivity {', '  rankdir=LR;', '  node [shape=box, fontsize=10];'];
  let i = 0;
  for (const [g, labels] of groups) {
    out.push(`  subgraph cluster_${i++} {`, `    label=${q(g.split('/')[1])};`, '    style=dashed;');
    for (const l of labels) {
      const p = peers.get(l)!;
      out.push(`    ${q(l)} [label=${q(p.kind === 'workload' ? `${p.name}[${p.workloadKind}]` : l)}];`);
    }
    out.push('  }');
  }
  for (const l of loose) out.push(`  ${q(l)} [shape=ellipse, style=dotted];`);
  for (const r of rows) out.push(`  ${q(r.src)} -> ${q(r.dst)} [label=${q(r.conn)}, fontsize=8];`);
  out.push('}');
  return `${out.join('\n')}\n`;
}
