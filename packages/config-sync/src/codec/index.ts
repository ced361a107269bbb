/**
 * The only place that converts between generated protobuf messages and domain types. The server and client
 * build and read wire messages through these functions, so their public APIs speak @switchyard/policy only.
 */
export { type ApplyError, applyErrorFromProto, applyErrorToProto } from "./apply-error.ts";
export { checkChangedConsistency } from "./check-changed.ts";
export {
  type ControlMessage,
  decodeControlMessage,
  deltaResponse,
  fleetResponse,
  snapshotResponse,
} from "./control-messages.ts";
export { mergeDelta } from "./merge-delta.ts";
export {
  ackRequest,
  CAPABILITIES,
  decodeNodeMessage,
  helloRequest,
  type NodeHello,
  type NodeMessage,
  nackRequest,
} from "./node-messages.ts";
export { runSliced, runSteps } from "./run-sliced.ts";
export { decodeSnapshot, encodedSizeSteps, encodeSnapshot, encodeSnapshotSteps } from "./snapshot-bytes.ts";
export {
  type ConfigDelta,
  deltaSize,
  diffConfig,
  diffPart,
  type RemovedIds,
  snapshotFromDelta,
} from "./snapshot-delta.ts";
export { snapshotFromProto } from "./snapshot-from-proto.ts";
export { compareIds, type Entity, findById, SNAPSHOT_PARTS, type SnapshotPart } from "./snapshot-parts.ts";
export { snapshotToProto } from "./snapshot-to-proto.ts";
export { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, versionOf, versionSnapshot, versionSteps } from "./version.ts";
