export { isInternalAddress, isInternalHostname } from "./address.ts";
export { type ConsistencyProblem, checkConsistency } from "./consistency.ts";
export { consumerLimits } from "./consumer-limits.ts";
export * from "./schemas.ts";
export {
  buildSnapshot,
  CANONICAL_DEFAULTS,
  canonicalJson,
  omittedFromCanonical,
  type SnapshotInput,
} from "./snapshot.ts";
export * from "./types.ts";
