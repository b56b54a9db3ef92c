/**
 * Inventory from files: kubectl dumps (`-o json|yaml`), API lists, manifests (multi-document
 * YAML), watch-event lines, folders of them (recursively), `.gz`, and `-` for stdin.
 *
 * Cluster of each file: `opts.cluster` if given; else, for a folder given as root, the first
 * folder below it (`<root>/<cluster>/...`), and `default` for files directly under the root
 * or given one by one.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import {
  InputError,
  isValidClusterName,
  type Inventory,
  type InventoryObject,
  type PodInfo,
  type SecurityReport,
  type Warning,
} from '../../generator/model/index.ts';
import { assembleInventory, inventoryObjectId, type TemplatePodsMode } from './assemble.ts';
import { normalizeObject } from './normalize.ts';
import { parseDocuments } from './parse-documents.ts';
import { isTrivyObject, readTrivyObject } from './trivy.ts';

const gunzipAsync = promisify(gunzip);

export const DEFAULT_CLUSTER = 'default';
const INVENTORY_EXTENSIONS = ['.json', '.yaml', '.yml'];

export interface LoadInventoryOptions {
  /** Every file belongs to this cluster (overrides the folder convention). */
  readonly cluster?: string;
  readonly templatePods?: TemplatePodsMode;
  /** Namespace of namespaced objects that name none (manifests); default 'default'. */
  readonly defaultNamespace?: string;
}

export interface LoadInventoryResult {
  readonly inventory: Inventory;
  readonly warnings: Warning[];
  readonly errors: InputError[];
  /** Files read (whether or not they had errors). */
  readonly files: number;
}

interface InputFile {
  readonly file: string;
  readonly cluster: string;
}

function isInventoryFile(name: string): boolean {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  return INVENTORY_EXTENSIONS.some((ext) => base.endsWith(ext));
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile() && isInventoryFile(e.name)) out.push(full);
  }
  return out;
}

/** Expands the given paths into files with their cluster; problems become errors. */
async function resolveInputs(paths: readonly string[], opts: LoadInventoryOptions, errors: InputError[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const p of paths) {
    if (p === '-') {
      files.push({ file: '-', cluster: opts.cluster ?? DEFAULT_CLUSTER });
      continue;
    }
    let st;
    try {
      st = await stat(p);
    } catch (error) {
      errors.push(new InputError(`netatlas/inventory: ${p} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check the path.`, { file: p }));
      continue;
    }
    if (!st.isDirectory()) {
      files.push({ file: p, cluster: opts.cluster ?? DEFAULT_CLUSTER });
      continue;
    }
    const badClusters = new Set<string>();
    for (const file of await listFiles(p)) {
      if (opts.cluster) {
        files.push({ file, cluster: opts.cluster });
        continue;
      }
      const rel = path.relative(p, file).split(path.sep);
      const cluster = rel.length >= 2 ? rel[0] : DEFAULT_CLUSTER;
      if (!isValidClusterName(cluster)) {
        if (!badClusters.has(cluster)) {
          badClusters.add(cluster);
          errors.push(new InputError(
            `netatlas/inventory: ${path.join(p, cluster)} is not a valid cluster name: use letters, digits, '.', '_' or '-', or pass --cluster NAME.`,
            { file: path.join(p, cluster) },
          ));
        }
        continue;
      }
      files.push({ file, cluster });
    }
  }
  return files;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

async function readText(file: string): Promise<string> {
  const buf = file === '-' ? await readStdin() : await readFile(file);
  // gzip magic number, whatever the file is called.
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return (await gunzipAsync(buf)).toString('utf8');
  return buf.toString('utf8');
}

/** Normalized objects accumulated in input order; DELETED events remove. */
export class InventoryAccumulator {
  private readonly objects = new Map<string, InventoryObject>();
  private readonly templates = new Map<string, PodInfo>();
  readonly warnings: Warning[] = [];
  readonly errors: InputError[] = [];
  private readonly clusters = new Set<string>();
  private readonly reports: SecurityReport[] = [];

  constructor(private readonly defaultNamespace?: string) {}

  /** Parses and normalizes one file's text. */
  addText(text: string, file: string, cluster: string): void {
    this.clusters.add(cluster);
    const parsed = parseDocuments(text, file);
    this.errors.push(...parsed.errors);
    for (const raw of parsed.objects) {
      if (isTrivyObject(raw.object, raw.kindHint)) {
        const r = readTrivyObject(raw.object, { cluster, source: { file, ...(raw.line !== undefined ? { line: raw.line } : {}) }, ...(raw.kindHint ? { kindHint: raw.kindHint } : {}) });
        if (r.kind === 'report') this.reports.push(r.report);
        else this.errors.push(r.error);
        continue;
      }
      const outcome = normalizeObject(raw.object, {
        cluster,
        source: { file, ...(raw.line !== undefined ? { line: raw.line } : {}) },
        ...(raw.kindHint ? { kindHint: raw.kindHint } : {}),
        ...(this.defaultNamespace ? { defaultNamespace: this.defaultNamespace } : {}),
      });
      if (outcome.kind === 'invalid') this.errors.push(outcome.error);
      else if (outcome.kind === 'skipped') this.warnings.push(outcome.warning);
      else {
        if (outcome.warnings) this.warnings.push(...outcome.warnings);
        const id = inventoryObjectId(outcome.object);
        if (raw.op === 'delete') {
          this.objects.delete(id);
          this.templates.delete(id);
          continue;
        }
        this.objects.delete(id); // re-insert so order follows the last write
        this.objects.set(id, outcome.object);
        if (outcome.templatePod) this.templates.set(id, outcome.templatePod);
      }
    }
  }

  inventory(templatePods: TemplatePodsMode = 'auto'): Inventory {
    const inv = assembleInventory(this.objects.values(), this.templates.values(), { templatePods, clusters: [...this.clusters] });
    return this.reports.length > 0 ? { ...inv, securityReports: this.reports } : inv;
  }
}

/**
 * Loads inventory files and folders. Never throws for bad input: broken files, invalid
 * objects and unknown kinds are reported in `errors`/`warnings` and the rest still loads.
 */
export async function loadInventoryPaths(paths: readonly string[], opts: LoadInventoryOptions = {}): Promise<LoadInventoryResult> {
  const errors: InputError[] = [];
  if (opts.cluster !== undefined && !isValidClusterName(opts.cluster)) {
    errors.push(new InputError(`netatlas/inventory: invalid cluster name ${JSON.stringify(opts.cluster)}: use letters, digits, '.', '_' or '-' (e.g. "prod-eu").`));
    return { inventory: assembleInventory([], []), warnings: [], errors, files: 0 };
  }
  const inputs = await resolveInputs(paths, opts, errors);
  const acc = new InventoryAccumulator(opts.defaultNamespace);
  let files = 0;
  for (const { file, cluster } of inputs) {
    let text: string;
    try {
      text = await readText(file);
    } catch (error) {
      errors.push(new InputError(`netatlas/inventory: ${file} cannot be read: ${(error as Error).message}.`, { file }));
      continue;
    }
    files++;
    acc.addText(text, file, cluster);
  }
  return { inventory: acc.inventory(opts.templatePods ?? 'auto'), warnings: acc.warnings, errors: [...errors, ...acc.errors], files };
}
