/**
 * `netatlas graph`: ingest inventories and flow logs into one connectivity graph and print its
 * summary or the graph itself as JSON (docs/graph.md describes the shape).
 */
import { Command, Option } from 'commander';
import { LEVELS, isValidClusterName, printable } from '../../generator/model/index.ts';
import type { Level } from '../../generator/model/index.ts';
import { projectGraph, summarizeGraph } from '../graph/builder.ts';
import type { GraphSummary, ProjectedGraph } from '../graph/builder.ts';
import { ingest } from '../graph/ingest.ts';
import type { IngestProgress, IngestResult } from '../graph/ingest.ts';
import { CliExit, EXIT_BAD_INPUT } from './exit.ts';

export const GRAPH_OUTPUTS = ['summary', 'json'] as const;
export type GraphOutput = (typeof GRAPH_OUTPUTS)[number];

interface GraphCommandOptions {
  inventory: string[];
  flows: string[];
  cluster?: string;
  output: GraphOutput;
  level: Level;
  hideInfra: boolean;
  top: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The JSON document `-o json` prints. */
export interface GraphJson {
  readonly summary: GraphSummary;
  readonly ingest: {
    readonly inventoryFiles: number;
    readonly flowFiles: number;
    readonly lines: number;
    readonly records: number;
    readonly replies: number;
    readonly duplicates: number;
    readonly skipped: number;
    readonly malformed: number;
    readonly errors: string[];
    readonly skippedFiles: string[];
    readonly warnings: number;
  };
  readonly level: Level;
  readonly nodes: ProjectedGraph['nodes'];
  readonly edges: ProjectedGraph['edges'];
}

export function graphJson(result: IngestResult, level: Level, hideInfra: boolean): GraphJson {
  const projected = projectGraph(result.builder.graph, level, { hideInfra });
  const f = result.flows;
  return {
    summary: summarizeGraph(result.builder.graph),
    ingest: {
      inventoryFiles: result.inventoryFiles, flowFiles: result.flowFiles, lines: f.lines, records: f.records, replies: f.replies,
      duplicates: f.duplicates, skipped: f.skipped, malformed: f.malformed, errors: [...f.errors, ...result.errors.map((e) => e.message)],
      skippedFiles: result.skippedFiles, warnings: result.warnings.length,
    },
    level,
    nodes: projected.nodes,
    edges: projected.edges,
  };
}

const num = (n: number): string => n.toLocaleString('en-US');

/** The human summary: counts, then the busiest workload edges. */
export function formatGraphSummary(result: IngestResult, top: number, hideInfra: boolean): string {
  const s = summarizeGraph(result.builder.graph);
  const f = result.flows;
  const lines: string[] = [];
  lines.push(`clusters: ${s.clusters.join(', ') || '(none)'}`);
  lines.push(`nodes: ${Object.entries(s.nodes).map(([k, v]) => `${num(v ?? 0)} ${k}`).join(', ') || '(none)'}`);
  lines.push(`edges: ${num(s.edges)} workload-level (${num(s.interClusterEdges)} inter-cluster), ${num(s.podEdges)} pod-level`);
  const verdicts = Object.entries(s.verdicts).map(([v, n]) => `${v} ${num(n ?? 0)}`).join(', ');
  lines.push(`connections: ${num(s.connections)}${verdicts ? ` (${verdicts})` : ''}`);
  lines.push(
    `input: ${num(result.inventoryFiles)} inventory files, ${num(result.flowFiles)} flow files, ${num(f.lines)} lines, ${num(f.records)} records, ` +
      `${num(f.replies)} replies and ${num(f.duplicates)} duplicates dropped, ${num(f.skipped)} skipped, ${num(f.malformed)} malformed`,
  );
  const graph = result.builder.graph;
  const named = (key: string): string => {
    const a = graph.hasNode(key) ? graph.getNodeAttributes(key) : undefined;
    return a?.kind === 'external' && a.fqdns.length > 0 ? `${key} (${a.fqdns.join(', ')})` : key;
  };
  const edges = projectGraph(graph, 'workload', { hideInfra }).edges.sort((a, b) => b.attributes.count - a.attributes.count || (a.key < b.key ? -1 : 1));
  if (edges.length > 0 && top > 0) {
    lines.push(`top ${Math.min(top, edges.length)} edges${hideInfra ? ' (infrastructure hidden)' : ''}:`);
    for (const e of edges.slice(0, top)) {
      const a = e.attributes;
      const port = a.port !== undefined ? `${a.protocol}/${a.port}` : a.protocol;
      const svc = a.service ? ` via ${a.service}${a.servicePort !== undefined ? `:${a.servicePort}` : ''}` : '';
      const v = Object.entries(a.verdicts).map(([k, n]) => `${k} ${n}`).join(' ');
      lines.push(`  ${named(e.source)} -> ${named(e.target)} ${port} x${num(a.count)} [${v}]${a.interCluster ? ' inter-cluster' : ''}${svc}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Progress on one rewritten terminal line, at most a few times a second. */
function progressPrinter(stream: NodeJS.WriteStream): { onProgress: (p: IngestProgress) => void; done: () => void } {
  let last = 0;
  let shown = false;
  return {
    onProgress: (p) => {
      const t = Date.now();
      if (t - last < 250) return;
      last = t;
      shown = true;
      stream.write(`\r\x1b[Knetatlas: ${num(p.lines)} lines, ${num(p.records)} flows, ${num(Math.round(p.rate))} lines/s  ${p.file}`);
    },
    done: () => {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

export function graphCommand(): Command {
  return new Command('graph')
    .description(
      'Build the connectivity graph from inventories (kubectl dumps, manifests) and flow logs (Hubble, Inspektor Gadget, ' +
        'generic JSONL/CSV): request-direction edges aggregated per workload pair, protocol and port.',
    )
    .option('--inventory <path>', 'inventory file or folder (<root>/<cluster>/... names clusters); repeatable', collect, [])
    .option('--flows <path>', 'flow log file or folder (.gz ok, - for stdin; <root>/<cluster>/... names clusters); repeatable', collect, [])
    .option('--cluster <name>', 'cluster of every input file (default: from folder names, else "default"; Hubble flows naming their cluster keep it)')
    .addOption(new Option('-o, --output <format>', 'summary (counts and busiest edges) or json (the graph)').choices([...GRAPH_OUTPUTS]).default('summary'))
    .addOption(new Option('--level <level>', 'aggregation level of the json output').choices([...LEVELS]).default('workload'))
    .option('--hide-infra', 'hide DNS, monitoring and kube-system workloads in the printed edges', false)
    .option('--top <n>', 'how many of the busiest edges the summary lists', '20')
    .action(async (o: GraphCommandOptions) => {
      if (o.inventory.length === 0 && o.flows.length === 0) {
        throw new CliExit('netatlas/graph: nothing to read. Give --inventory PATH and/or --flows PATH (e.g. --inventory samples/demo --flows samples/demo).');
      }
      if (o.cluster !== undefined && !isValidClusterName(o.cluster)) {
        throw new CliExit(`netatlas/graph: --cluster ${JSON.stringify(o.cluster)} is not a valid cluster name: use letters, digits, '.', '_' or '-' (e.g. "prod-eu").`);
      }
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 0) throw new CliExit(`netatlas/graph: --top ${JSON.stringify(o.top)} is not a whole number >= 0.`);
      const progress = process.stderr.isTTY ? progressPrinter(process.stderr) : undefined;
      let result: IngestResult;
      try {
        result = await ingest({ inventoryPaths: o.inventory, flowPaths: o.flows, cluster: o.cluster, onProgress: progress?.onProgress });
      } finally {
        progress?.done();
      }
      if (o.output === 'json') process.stdout.write(`${JSON.stringify(graphJson(result, o.level, o.hideInfra))}\n`);
      else process.stdout.write(formatGraphSummary(result, top, o.hideInfra));
      reportProblems(result);
      // Bad input (a file or a line) ends every command with 2, as diff and generate do.
      if (result.errors.length > 0 || result.flows.malformed > 0) process.exitCode = EXIT_BAD_INPUT;
    });
}

/** Malformed lines (count and the first few `file:line: reason`), file errors and skipped files, on stderr. */
function reportProblems(result: IngestResult): void {
  const err = process.stderr;
  const f = result.flows;
  if (f.malformed > 0) {
    err.write(`netatlas: ${num(f.malformed)} malformed flow line${f.malformed === 1 ? '' : 's'} skipped; the first ${f.errors.length}:\n`);
    for (const e of f.errors) err.write(`  ${printable(e)}\n`);
  }
  for (const e of result.errors) err.write(`netatlas: error: ${printable(e.message, true)}\n`);
  if (result.warnings.length > 0) err.write(`netatlas: ${result.warnings.length} inventory warning(s) (see \`netatlas inventory\`)\n`);
  for (const file of result.skippedFiles) err.write(`netatlas: note: ${printable(file)} holds no flows; skipped\n`);
  for (const note of result.notes) err.write(`netatlas: note: ${printable(note)}\n`);
}
