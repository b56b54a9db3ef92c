/** Shared loading for the samples tests: the demo generated in memory, parsed once per file. */
import { DEFAULT_OPTIONS, demoFiles, fileText, type EstateOptions } from '../../samples/lib/index.ts';

export const SHARED_DATA = new URL('../../../shared/data/', import.meta.url);
export const DEMO_DIR = new URL('../../samples/demo/', import.meta.url);

export type Json = Record<string, any>;

export function generateInMemory(options: Partial<EstateOptions> = {}): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of demoFiles({ ...DEFAULT_OPTIONS, ...options })) files.set(f.path, fileText(f));
  return files;
}

export interface ParsedDemo {
  readonly files: Map<string, string>;
  readonly flows: Map<string, Json[]>;
  readonly inventory: Map<string, Json>;
}

let cached: ParsedDemo | undefined;

export function defaultDemo(): ParsedDemo {
  if (cached) return cached;
  const files = generateInMemory();
  const flows = new Map<string, Json[]>();
  const inventory = new Map<string, Json>();
  for (const [path, text] of files) {
    const cluster = path.split('/')[0];
    if (path.endsWith('flows.jsonl')) flows.set(cluster, text.trimEnd().split('\n').map((l) => JSON.parse(l) as Json));
    else inventory.set(cluster, JSON.parse(text) as Json);
  }
  cached = { files, flows, inventory };
  return cached;
}

export const label = (ep: Json | undefined, key: string): string | undefined => {
  const hit = (ep?.labels as string[] | undefined)?.find((l) => l.startsWith(`k8s:${key}=`));
  return hit?.slice(`k8s:${key}=`.length);
};

export const app = (ep: Json | undefined): string | undefined => label(ep, 'app') ?? label(ep, 'run') ?? label(ep, 'k8s-app');

export const dport = (f: Json): number | undefined => (f.l4?.TCP ?? f.l4?.UDP)?.destination_port;
