/** Shared by `generate` and `diff`: one list of every kind from live clusters, no watch. */
import type { Inventory } from '../../generator/model/index.ts';
import { CliExit } from './exit.ts';

/** The snapshot of the selected contexts; `command` names the command in the error. */
export async function liveSnapshot(command: string, kubeconfigs: string[], contexts: string[]): Promise<Inventory> {
  // Loaded on use: it brings in @kubernetes/client-node, ~0.3 s of every command's start-up otherwise.
  const { LiveInventory } = await import('../inventory/live.ts');
  const inv = new LiveInventory({ kubeconfigs, contexts, watch: false });
  if (inv.status().length === 0) throw new CliExit(`${command}: no kubeconfig context selected. Pass --context NAME or set a current context.`);
  inv.start();
  await inv.done();
  return inv.snapshot();
}
