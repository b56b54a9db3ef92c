/**
 * `netatlas graph`: ingest inventories and flow logs into one connectivity graph and print its
 * summary or the graph itself as JSON (docs/graph.md describes the shape).
 */
import { Command, Option } from 'commander';
import { LEVELS, VERDICTS, isValidClusterName, printable } from '../../generator/model/index.ts';
import type { Level, Verdict } from '../../generator/model/index.ts';
import { FILTER_PROTOCOLS, isEmptyViewFilters, parsePortRange, protocolNamed, type ViewFilters } from '../../generator/view/index.ts';
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
  onlyCluster?: string;
  onlyNamespace?: string;
  verdict?: string;
  protocol?: string;
  port?: string;
  interCluster: boolean;
  top: string;
}

const commaList = (text: string | undefined): string[] | undefined =>
  text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter(Boolean);

/**
 * The view filters the options ask for (generator/view: the same filters as GET /api/v1/graph
 * and the web map's). Throws CliExit naming the option on a bad value.
 */
export function graphFilters(o: Pick<GraphCommandOptions, 'hideInfra' | 'onlyCluster' | 'onlyNamespace' | 'verdict' | 'protocol' | 'port' | 'interCluster'>): ViewFilters {
  const clusters = commaList(o.onlyCluster);
  for (const c of clusters ?? []) {
    if (!isValidClusterName(c)) throw new CliExit(`netatlas/graph: --only-cluster ${JSON.stringify(c)} is not a cluster name: use letters, digits, '.', '_' or '-'.`);
  }
  const verdicts = commaList(o.verdict)?.map((v) => v.toUpperCase());
  for (const v of verdicts ?? []) {
    if (!(VERDICTS as readonly string[]).includes(v)) throw new CliExit(`netatlas/graph: --verdict ${JSON.stringify(v)} is not a verdict: expected any of ${VERDICTS.join(', ')}.`);
  }
  const protocols = commaList(o.protocol)?.map((p) => {
    const named = protocolNamed(p);
    if (!named) throw new CliExit(`netatlas/graph: --protocol ${JSON.stringify(p)} is not a protocol: expected any of ${FILTER_PROTOCOLS.join(', ')}.`);
    return named;
  });
  const port = o.port !== undefined ? parsePortRange(o.port) : undefined;
  if (o.port !== undefined && !port) throw new CliExit(`netatlas/graph: --port ${JSON.stringify(o.port)} is not a port: expected 1-65535 or a range like 8000-8100.`);
  return {
    ...(clusters ? { clusters } : {}),
    ...(o.onlyNamespace !== undefined ? { namespaces: commaList(o.onlyNamespace) } : {}),
    ...(verdicts ? { verdicts: verdicts as Verdict[] } : {}),
    ...(protocols ? { protocols } : {}),
    ...(port ? { port } : {}),
    hideInfra: o.hideInfra,
    interClusterOnly: o.interCluster,
  };
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

export function graphJson(result: IngestResult, level: Level, filters: ViewFilters = {}): GraphJson {
  const projected = projectGraph(result.builder.graph, level, filters);
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
export function formatGraphSummary(result: IngestResult, top: number, filters: ViewFilters = {}): string {
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
      `${num(f.replies)} replies and ${num(f.duplicates)} duplicates dropped, ${num(f.skipped)} skipped, ${num(f.malformed)} malformed` +
      (f.ignored > 0 ? `, ${num(f.ignored)} values ignored (records kept without them)` : ''),
  );
  const graph = result.builder.graph;
  const named = (key: string): string => {
    const a = graph.hasNode(key) ? graph.getNodeAttributes(key) : undefined;
    return a?.kind === 'external' && a.fqdns.length > 0 ? `${key} (${a.fqdns.join(', ')})` : key;
  };
  const edges = projectGraph(graph, 'workload', filters).edges.sort((a, b) => b.attributes.count - a.attributes.count || (a.key < b.key ? -1 : 1));
  if (edges.length > 0 && top > 0) {
    lines.push(`top ${Math.min(top, edges.length)} edges${isEmptyViewFilters(filters) ? '' : ' (filtered)'}:`);
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
    .option('--hide-infra', 'hide infrastructure (DNS, monitoring, system namespaces, nodes, the API server) and its edges', false)
    .option('--only-cluster <names>', 'only edges with an end in these clusters (comma-separated)')
    .option('--only-namespace <names>', 'only edges with an end in these namespaces (shop or prod/shop; comma-separated)')
    .option('--verdict <list>', 'only edges that had a connection with one of these verdicts (e.g. DROPPED)')
    .option('--protocol <list>', 'only edges of these protocols (TCP, UDP, SCTP, ICMPv4, ICMPv6)')
    .option('--port <port>', 'only edges to this destination port or range (443, 8000-8100)')
    .option('--inter-cluster', 'only traffic between two clusters', false)
    .option('--top <n>', 'how many of the busiest edges the summary lists', '20')
    .action(async (o: GraphCommandOptions) => {
      if (o.inventory.length === 0 && o.flows.length === 0) {
        throw new CliExit('netatlas/graph: nothing to read. Give --inventory PATH and/or --flows PATH (e.g. --inventory samples/demo --flows samples/demo).');
      }
      if (o.cluster !== undefined && !isValidClusterName(o.cluster)) {
        throw new CliExit(`netatlas/graph: --cluster ${JSON.stringify(o.cluster)} is not a valid cluster name: use letters, digits, '.', '_' or '-' (e.g. "prod-eu").`);
      }
      const filters = graphFilters(o);
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 0) throw new CliExit(`netatlas/graph: --top ${JSON.stringify(o.top)} is not a whole number >= 0.`);
      const progress = process.stderr.isTTY ? progressPrinter(process.stderr) : undefined;
      let result: IngestResult;
      try {
        result = await ingest({ inventoryPaths: o.inventory, flowPaths: o.flows, cluster: o.cluster, onProgress: progress?.onProgress });
      } finally {
        progress?.done();
      }
      if (o.output === 'json') process.stdout.write(`${JSON.stringify(graphJson(result, o.level, filters))}\n`);
      else process.stdout.write(formatGraphSummary(result, top, filters));
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
