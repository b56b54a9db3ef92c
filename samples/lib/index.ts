/**
 * The demo data set: an estate model rendered into real formats. `demoFiles` yields every
 * file (path relative to the output folder, and contents) one cluster at a time, so scaled
 * estates never hold more than one cluster's flows in memory.
 */
import { buildEstate, DEFAULT_OPTIONS, type Estate, type EstateOptions } from './estate.ts';
import { renderFlows } from './hubble.ts';
import { renderInventory } from './kubectl.ts';

export * from './estate.ts';
export { connectionEnds, formatTime, renderFlows } from './hubble.ts';
export { expectedEdges, peerKey, type ExpectedEdge } from './truth.ts';
export { renderInventory } from './kubectl.ts';

export interface DemoFile {
  readonly path: string;
  /** The whole file, or its lines (flows: each line ends with '\n' when written). */
  readonly content: string | readonly string[];
}

/** A file's text (joins line arrays; fine for the default estate, not for big scaled ones). */
export function fileText(f: DemoFile): string {
  return typeof f.content === 'string' ? f.content : f.content.map((l) => `${l}\n`).join('');
}

export function* demoFiles(options: Partial<EstateOptions> = {}, estate?: Estate): Generator<DemoFile> {
  const e = estate ?? buildEstate({ ...DEFAULT_OPTIONS, ...options });
  for (const c of e.clusters) {
    yield { path: `${c.name}/inventory.json`, content: renderInventory(e.options.seed, c) };
    yield { path: `${c.name}/flows.jsonl`, content: renderFlows(e, c) };
  }
}
