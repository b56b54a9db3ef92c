/** server/inventory: Kubernetes objects -> the model's Inventory, from files and live clusters. */
export * from './normalize.ts';
export * from './parse-documents.ts';
export * from './assemble.ts';
export * from './load-files.ts';
export * from './live.ts';
export * from './trivy.ts';
