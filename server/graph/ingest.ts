/**
 * Raw input -> one graph: loads inventories (server/inventory), streams flow files
 * (server/flows) and feeds both into a GraphBuilder, reporting progress.
 *
 * Cluster of a flow file, like inventory files: `cluster` if given, else the folder
 * convention `<root>/<cluster>/...` for files found under a folder given as root, else none
 * (the builder then takes the cluster a Hubble flow names itself, else 'default'). A Hubble
 * flow's own `cluster_name` / `io.cilium.k8s.policy.cluster` label always wins for its ends.
 */
import path from 'node:path';
import { statSync } from 'node:fs';
import { InputError } from '../../generator/model/index.ts';
import type { Inventory, Warning } from '../../generator/model/index.ts';
import { loadInventoryPaths } from '../inventory/index.ts';
import { ConnectionCache, emptyFlowReadStats, listFlowFiles, readFlows } from '../flows/index.ts';
import type { FlowReadStats } from '../flows/index.ts';
import { GraphBuilder } from './builder.ts';

export interface IngestProgress {
  readonly file: string;
  /** Lines read so far, over every flow file. */
  readonly lines: number;
  readonly records: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  /** Lines per second since the ingest started. */
  readonly rate: number;
}

export interface IngestOptions {
  readonly inventoryPaths?: readonly string[];
  readonly flowPaths?: readonly string[];
  readonly cluster?: string;
  /** Add to an existing builder (the server's state) instead of a new one. */
  readonly builder?: GraphBuilder;
  readonly onProgress?: (progress: IngestProgress) => void;
  /** Every malformed line, `file:line: reason` (the stats keep only the first few). */
  readonly onError?: (message: string) => void;
  /** Stream read for `-`. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Clock for rates (ms). Default Date.now. */
  readonly now?: () => number;
}

export interface FlowFileInput {
  readonly file: string;
  /** The cluster the file belongs to by flag or folder; undefined when neither says. */
  readonly cluster?: string;
  /** Found by walking a folder (not named by the user). */
  readonly walked: boolean;
}

export interface IngestResult {
  readonly builder: GraphBuilder;
  readonly inventory?: Inventory;
  readonly inventoryFiles: number;
  readonly warnings: Warning[];
  /** Inventory and flow-file errors (malformed lines are counted in `flows`, not here). */
  readonly errors: InputError[];
  /** Flow counters summed over every file. */
  readonly flows: FlowReadStats;
  readonly flowFiles: number;
  /** Files under a flows folder that hold no flows (an inventory dump next to them, ...). */
  readonly skippedFiles: string[];
  /** Files under a flows folder not read at all, with why (`<file>: not a regular file ...`). */
  readonly notes: string[];
  readonly elapsedMs: number;
}

/** Flow files of the given paths, each with its cluster by flag or folder convention. */
export function flowFileInputs(paths: readonly string[], cluster?: string, onSkip?: (file: string, reason: string) => void): FlowFileInput[] {
  const out: FlowFileInput[] = [];
  for (const p of paths) {
    const isDir = p !== '-' && statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
    for (const file of listFlowFiles(p, onSkip)) {
      if (!isDir) {
        out.push({ file, cluster, walked: false });
        continue;
      }
      const rel = path.relative(p, file).split(path.sep);
      out.push({ file, cluster: cluster ?? (rel.length >= 2 ? rel[0] : undefined), walked: true });
    }
  }
  return out;
}

function addStats(total: FlowReadStats, s: FlowReadStats, maxErrors: number): void {
  total.lines += s.lines;
  total.records += s.records;
  total.replies += s.replies;
  total.duplicates += s.duplicates;
  total.skipped += s.skipped;
  total.malformed += s.malformed;
  total.ignored += s.ignored;
  total.bytes += s.bytes;
  total.files += 1;
  if (s.format) total.format = s.format;
  for (const e of s.errors) if (total.errors.length < maxErrors) total.errors.push(e);
}

const MAX_ERRORS = 10;

export async function ingest(opts: IngestOptions): Promise<IngestResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  const builder = opts.builder ?? new GraphBuilder();
  const errors: InputError[] = [];
  const warnings: Warning[] = [];
  let inventory: Inventory | undefined;
  let inventoryFiles = 0;

  if (opts.inventoryPaths && opts.inventoryPaths.length > 0) {
    const loaded = await loadInventoryPaths(opts.inventoryPaths, { cluster: opts.cluster });
    inventory = loaded.inventory;
    inventoryFiles = loaded.files;
    warnings.push(...loaded.warnings);
    errors.push(...loaded.errors);
    builder.addInventory(loaded.inventory);
  }

  const flows = emptyFlowReadStats();
  const skippedFiles: string[] = [];
  const notes: string[] = [];
  let inputs: FlowFileInput[] = [];
  try {
    inputs = flowFileInputs(opts.flowPaths ?? [], opts.cluster, (file, reason) => notes.push(`${file}: ${reason}`));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    errors.push(error);
  }
  // One connection cache for every file: a connection reported by two nodes' files counts once.
  const connections = new ConnectionCache({});
  for (const input of inputs) {
    const before = { lines: flows.lines, records: flows.records, bytes: flows.bytes };
    const reader = readFlows(input.file, {
      cluster: input.cluster ?? opts.cluster, connections, onError: opts.onError, stdin: opts.stdin,
      onProgress: opts.onProgress
        ? ({ file, stats }) => {
          const elapsedMs = Math.max(1, now() - started);
          const lines = before.lines + stats.lines;
          opts.onProgress!({ file, lines, records: before.records + stats.records, bytes: before.bytes + stats.bytes, elapsedMs, rate: (lines * 1000) / elapsedMs });
        }
        : undefined,
    });
    try {
      for await (const batch of reader.batches()) {
        for (const record of batch) builder.addFlow(record, input.cluster);
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      // A folder of flows may hold other files (the demo keeps inventory.json beside flows.jsonl):
      // a walked file of no known flow format is skipped and listed, a named one is an error.
      if (input.walked && reader.stats.records === 0 && /unknown flow format|invalid JSON document/.test(error.message)) {
        skippedFiles.push(input.file);
        continue;
      }
      errors.push(error);
    }
    addStats(flows, reader.stats, MAX_ERRORS);
  }
  return {
    builder, inventory, inventoryFiles, warnings, errors, flows, flowFiles: flows.files, skippedFiles, notes, elapsedMs: now() - started,
  };
}
