/**
 * `netatlas inventory`: load inventories from files or live clusters and print a summary per
 * cluster (counts per kind, warnings, errors) or the normalized inventory as JSON.
 */
import { Command, Option } from 'commander';
import { type InputError, type Inventory, type Warning } from '../../generator/model/index.ts';
import {
  ADD,
  DELETE,
  STATUS,
  TEMPLATE_PODS_MODES,
  UPDATE,
  inventoryObjectId,
  loadInventoryPaths,
  mergeInventories,
  type ClusterStatus,
  type InventoryChange,
  type TemplatePodsMode,
} from '../inventory/index.ts';
import { CliExit, EXIT_BAD_INPUT, EXIT_OK } from './exit.ts';

interface InventoryCommandOptions {
  inventory: string[];
  cluster?: string;
  namespace?: string;
  templatePods: TemplatePodsMode;
  kubeconfig: string[];
  context: string[];
  allContexts?: boolean;
  once?: boolean;
  output: 'summary' | 'json';
  listTimeout: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export interface ClusterCounts {
  readonly cluster: string;
  readonly counts: Record<string, number>;
}

/** Counts per kind and per cluster (workloads by their kind, template pods apart). */
export function countInventory(inv: Inventory): ClusterCounts[] {
  const by = new Map<string, Record<string, number>>();
  const bump = (cluster: string, key: string) => {
    const c = by.get(cluster) ?? {};
    by.set(cluster, c);
    c[key] = (c[key] ?? 0) + 1;
  };
  for (const c of inv.clusters) by.set(c.name, by.get(c.name) ?? {});
  for (const o of inv.namespaces) bump(o.cluster, 'Namespace');
  for (const o of inv.nodes) bump(o.cluster, 'Node');
  for (const o of inv.pods) bump(o.cluster, o.fromTemplate ? 'Pod (from template)' : 'Pod');
  for (const o of inv.workloads) bump(o.cluster, o.workloadKind);
  for (const o of inv.services) bump(o.cluster, 'Service');
  for (const o of inv.endpointSlices) bump(o.cluster, 'EndpointSlice');
  for (const o of inv.networkPolicies) bump(o.cluster, 'NetworkPolicy');
  for (const o of inv.adminNetworkPolicies) bump(o.cluster, o.kind);
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([cluster, counts]) => ({ cluster, counts }));
}

const SHOWN = 5;

function problemLines(warnings: readonly Warning[], errors: readonly InputError[]): string[] {
  const lines: string[] = [];
  if (errors.length > 0) {
    lines.push(`errors: ${errors.length}`);
    for (const e of errors.slice(0, SHOWN)) lines.push(`  ${e.message}`);
    if (errors.length > SHOWN) lines.push(`  ... and ${errors.length - SHOWN} more (use -o json for all)`);
  }
  if (warnings.length > 0) {
    const byCode = new Map<string, Warning[]>();
    for (const w of warnings) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w]);
    lines.push(`warnings: ${warnings.length} (${[...byCode.entries()].map(([c, ws]) => `${c} ${ws.length}`).join(', ')})`);
    for (const w of warnings.slice(0, SHOWN)) lines.push(`  ${w.message}`);
    if (warnings.length > SHOWN) lines.push(`  ... and ${warnings.length - SHOWN} more (use -o json for all)`);
  }
  return lines;
}

/** The human summary: one block per cluster, then problems. */
export function formatInventorySummary(inv: Inventory, warnings: readonly Warning[], errors: readonly InputError[], statuses: readonly ClusterStatus[] = []): string {
  const lines: string[] = [];
  const status = new Map(statuses.map((s) => [s.cluster, s]));
  for (const { cluster, counts } of countInventory(inv)) {
    const s = status.get(cluster);
    const state = s ? ` [${s.state}${s.reason ? `: ${s.reason}` : ''}]` : '';
    lines.push(`cluster ${cluster}${state}`);
    const entries = Object.entries(counts);
    lines.push(entries.length > 0 ? `  ${entries.map(([k, n]) => `${k} ${n}`).join(', ')}` : '  (no objects)');
    if (s) {
      const notSynced = Object.entries(s.kinds).filter(([, st]) => st !== 'synced' && st !== 'absent');
      if (notSynced.length > 0) lines.push(`  kinds not synced: ${notSynced.map(([k, st]) => `${k} (${st})`).join(', ')}`);
    }
  }
  lines.push(...problemLines(warnings, errors));
  return `${lines.join('\n')}\n`;
}

function inventoryJson(inv: Inventory, warnings: readonly Warning[], errors: readonly InputError[], statuses?: readonly ClusterStatus[]): string {
  return `${JSON.stringify({
    inventory: inv,
    ...(statuses ? { status: statuses } : {}),
    warnings,
    errors: errors.map((e) => ({ message: e.message, ...(e.location ? { location: e.location } : {}) })),
  }, null, 2)}\n`;
}

function changeLine(c: InventoryChange): string {
  const sign = c.type === ADD ? '+' : c.type === DELETE ? '-' : '~';
  return `${sign} ${inventoryObjectId(c.object)}`;
}

export function inventoryCommand(): Command {
  return new Command('inventory')
    .description(
      'Load Kubernetes inventories (kubectl dumps, API lists, manifests, folders <root>/<cluster>/..., .gz) or live clusters, ' +
        'normalize them, and print a summary per cluster or the normalized inventory as JSON.',
    )
    .option('-i, --inventory <path>', 'inventory file or folder, - for stdin (repeatable); a folder\'s subfolders are clusters', collect, [])
    .option('--cluster <name>', 'put every --inventory file in this cluster (overrides the folder convention)')
    .option('--namespace <ns>', 'namespace of namespaced objects that name none, as in manifests (default: default)')
    .addOption(new Option('--template-pods <mode>', 'representative pods from workload templates: auto (workloads with no real pod), always, never')
      .choices([...TEMPLATE_PODS_MODES]).default('auto'))
    .option('--kubeconfig <file>', 'kubeconfig file for live clusters (repeatable; default $KUBECONFIG or ~/.kube/config)', collect, [])
    .option('--context <name>', 'kubeconfig context to read live (repeatable; default: the current context)', collect, [])
    .option('--all-contexts', 'read every context of the kubeconfig files')
    .option('--once', 'live: list every kind once, print, and exit (default: keep watching and print changes)')
    .option('--list-timeout <ms>', 'live: abandon a list request after this many milliseconds', '30000')
    .addOption(new Option('-o, --output <format>', 'summary (per cluster counts, warnings, errors) or json (the normalized inventory)')
      .choices(['summary', 'json']).default('summary'))
    .addHelpText('after', '\nExamples:\n  netatlas inventory -i dumps/            # dumps/prod/*.json -> cluster prod\n  netatlas inventory -i manifests.yaml --cluster dev -o json\n  netatlas inventory --all-contexts --once\n')
    .action(async (opts: InventoryCommandOptions) => {
      const live = opts.kubeconfig.length > 0 || opts.context.length > 0 || opts.allContexts === true || opts.inventory.length === 0;
      const files = opts.inventory.length > 0
        ? await loadInventoryPaths(opts.inventory, {
          ...(opts.cluster ? { cluster: opts.cluster } : {}),
          ...(opts.namespace ? { defaultNamespace: opts.namespace } : {}),
          templatePods: opts.templatePods,
        })
        : undefined;
      if (!live) {
        const { inventory, warnings, errors } = files!;
        process.stdout.write(opts.output === 'json' ? inventoryJson(inventory, warnings, errors) : formatInventorySummary(inventory, warnings, errors));
        process.exitCode = errors.length > 0 ? EXIT_BAD_INPUT : EXIT_OK;
        return;
      }
      const listTimeoutMs = Number(opts.listTimeout);
      if (!Number.isFinite(listTimeoutMs) || listTimeoutMs <= 0) throw new CliExit(`netatlas/inventory: --list-timeout must be a positive number of milliseconds (got ${opts.listTimeout}).`);
      const { LiveInventory } = await import('../inventory/live.ts');
      const inv = new LiveInventory({
        kubeconfigs: opts.kubeconfig,
        contexts: opts.context,
        allContexts: opts.allContexts === true,
        watch: opts.once !== true,
        listTimeoutMs,
        templatePods: opts.templatePods === 'auto' ? 'never' : opts.templatePods,
      });
      if (inv.status().length === 0) throw new CliExit('netatlas/inventory: no kubeconfig context selected. Pass --context NAME, --all-contexts, or set a current context.');
      const report = () => {
        const snapshot = files ? mergeInventories([files.inventory, inv.snapshot()]) : inv.snapshot();
        const problems = inv.problems();
        const warnings = [...(files?.warnings ?? []), ...problems.warnings];
        const errors = [...(files?.errors ?? []), ...problems.errors];
        const statuses = inv.status();
        process.stdout.write(opts.output === 'json' ? inventoryJson(snapshot, warnings, errors, statuses) : formatInventorySummary(snapshot, warnings, errors, statuses));
        return errors.length;
      };
      inv.start();
      if (opts.once) {
        await inv.done();
        process.exitCode = report() > 0 ? EXIT_BAD_INPUT : EXIT_OK;
        return;
      }
      await inv.whenSettled();
      report();
      const json = opts.output === 'json';
      const onChange = (c: InventoryChange) => process.stdout.write(json ? `${JSON.stringify(c)}\n` : `${changeLine(c)}\n`);
      inv.on(ADD, onChange);
      inv.on(UPDATE, onChange);
      inv.on(DELETE, onChange);
      inv.on(STATUS, (s) => process.stdout.write(json ? `${JSON.stringify({ type: STATUS, status: s })}\n` : `status ${s.cluster}: ${s.state}${s.reason ? ` (${s.reason})` : ''}\n`));
      await new Promise<void>((resolve) => {
        const end = () => resolve();
        process.once('SIGINT', end);
        process.once('SIGTERM', end);
      });
      await inv.stop();
      process.exitCode = EXIT_OK;
    });
}
