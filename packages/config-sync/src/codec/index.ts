/**
 * The only place that converts between generated protobuf messages and domain types. The server and client
 * build and read wire messages through these functions, so their public APIs speak @switchyard/policy only.
 */
export { type ApplyError, applyErrorFromProto, applyErrorToProto } from "./apply-error.ts";
export { type ControlMessage, decodeControlMessage, deltaResponse, snapshotResponse } from "./control-messages.ts";
export {
  ackRequest,
  CAPABILITIES,
  decodeNodeMessage,
  helloRequest,
  type NodeHello,
  type NodeMessage,
  nackRequest,
} from "./node-messages.ts";
export { decodeSnapshot, encodeSnapshot } from "./snapshot-bytes.ts";
export { type ConfigDelta, deltaSize, diffConfig, type RemovedIds, snapshotFromDelta } from "./snapshot-delta.ts";
export { snapshotFromProto } from "./snapshot-from-proto.ts";
export { snapshotToProto } from "./snapshot-to-proto.ts";
export { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, versionOf, versionSnapshot } from "./version.ts";
