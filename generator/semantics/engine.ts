/**
 * createEngine: compiles a snapshot's policies once, then answers connection questions.
 * The work is split by concern, each module reading an explicit shared context:
 * - engine/policy-index.ts: the compiled policies indexed by namespace and cluster;
 * - engine/endpoints.ts: endpoints and direction profiles, cached per pod and address;
 * - engine/evaluation.ts: single connections, decided directly on the two endpoints;
 * - engine/connectivity-map.ts: the workload-level map over pod equivalence classes.
 * Kinds live in kinds/ and compile.ts: the engine only knows tiers.
 */
import { buildConnectivityMap } from './engine/connectivity-map.ts';
import { Endpoints } from './engine/endpoints.ts';
import { PairEvaluator } from './engine/evaluation.ts';
import { externalCuts, type ExternalCuts } from './engine/external-ranges.ts';
import { PolicyIndex, resolveEngineOptions } from './engine/policy-index.ts';
import type { EngineOptions, PolicyEngine, PolicySnapshot } from './types.ts';
import { validateSnapshot } from './validate.ts';

export function createEngine(snapshot: PolicySnapshot, options: EngineOptions = {}): PolicyEngine {
  const opts = resolveEngineOptions(snapshot, options);
  const { invalidObjects: invalid, ...validation } = validateSnapshot(snapshot);
  const policies = new PolicyIndex(snapshot, opts, invalid);
  const endpoints = new Endpoints(policies);
  const pairs = new PairEvaluator(snapshot, policies, endpoints);
  let cuts: ExternalCuts | undefined;
  const cutsOnce = (): ExternalCuts => (cuts ??= externalCuts(snapshot, policies));

  return {
    options: opts,
    validation,
    evaluate: (q) => pairs.evaluate(q),
    allowedConnections: (src, dst) => pairs.allowedConnections(src, dst),
    allowedInDirection: (src, dst, dir) => pairs.allowedInDirection(src, dst, dir),
    connectivityMap: () => buildConnectivityMap({ snapshot, options: opts, policies, endpoints, cuts: cutsOnce() }),
    policiesSelecting: (pod, dir) => pairs.policiesSelecting(pod, dir),
    externalRanges: () => cutsOnce().ranges,
  };
}
