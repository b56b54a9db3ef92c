/** server/inventory: Kubernetes objects -> the model's Inventory, from files and live clusters. */
export * from './normalize.ts';
export * from './parse-documents.ts';
export * from './assemble.ts';
export * from './load-files.ts';
// The live client (./live.ts: LiveInventory, selectContexts) is imported from its module, on use:
// it loads @kubernetes/client-node, ~0.3 s of every command's start-up otherwise.
export * from './live-types.ts';
export * from './trivy.ts';
