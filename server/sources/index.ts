export * from './types.ts';
export { SourceManager, type SourceManagerOptions } from './manager.ts';
export {
  DEFAULT_BATCH,
  flowFileSource,
  followFlowsSource,
  relayFlowsSource,
  type FlowFileSourceOptions,
  type FollowFlowsSource,
  type FollowFlowsSourceOptions,
  type FollowPosition,
  type RelayFlowsSourceOptions,
  type RelayPosition,
} from './flows.ts';
// Live clusters are in ./live.ts, imported on demand: it loads @kubernetes/client-node.
