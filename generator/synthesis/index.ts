/**
 * Policy synthesis: least-privilege NetworkPolicies (or CiliumNetworkPolicies) from observed
 * traffic, and their proof with the policy engine. Pure: no I/O.
 */
export type * from './types.ts';
export { SYNTHESIS_FORMATS, SYNTHESIS_DIRECTIONS, BASELINE_RULES, SYSTEM_NAMESPACES } from './types.ts';
export { synthesizePolicies, synthesisContext, allowedCount, edgeId, isClusterDns } from './synthesize.ts';
export { verifyPolicies, PROOF_EXCLUSIONS, type Proof, type BrokenFlow, type ExtraConnection, type ExcludedConnection, type UnprovenFlow, type VerifyOptions } from './verify.ts';
export { type ServiceCidr, possibleServiceAddress, clusterIpSpans, PRIVATE_RANGES } from './service-addresses.ts';
export { formatSynthesisReport, formatProof } from './report.ts';
export {
  MANAGED_BY_LABEL, MANAGED_BY, EVIDENCE_ANNOTATION, FQDN_ANNOTATION, SUBJECT_ANNOTATION, CILIUM_CLUSTER_LABEL, CILIUM_NAMESPACE_LABEL, evidenceText,
} from './render.ts';
export { indexWorkloads, commonStableLabels, isolates, type WorkloadEntry, type WorkloadIndex } from './workloads.ts';
export { validateNetworkPolicyObject } from './schema.ts';
export { compareConnectivity, type ConnectivityDifference } from './compare.ts';
