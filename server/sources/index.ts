export * from './types.ts';
export { SourceManager, type SourceManagerOptions } from './manager.ts';
export { DEFAULT_RESTART, restartDelay, type RestartPolicy } from './backoff.ts';
export { DEFAULT_BATCH, flowFileSource, followFlowsSource, type FilePosition, type FlowFileSourceOptions, type FollowFlowsSource, type FollowFlowsSourceOptions } from './flows.ts';
export { goldmaneFlowsSource, relayFlowsSource, type GoldmaneFlowsSourceOptions, type RelayFlowsSourceOptions, type RelayTlsFiles } from './streams.ts';
export { clustersOf, inventoryFilesSource, inventoryOfCluster, type InventoryFilesSourceOptions } from './inventory.ts';
export { addPlan, FINITE_KINDS, hasSources, loadFiles, planSources, startStreams, type SourceOptions, type SourcePlan } from './plan.ts';
export { stateSink, type IngestTarget, type PositionStore } from './sink.ts';
// Live clusters are in ./live.ts, imported on demand: it loads @kubernetes/client-node.
