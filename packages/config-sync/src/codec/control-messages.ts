import { create } from "@bufbuild/protobuf";
import type { Result } from "@switchyard/errors";
import type { VersionedSnapshot } from "@switchyard/policy";
import { type StreamConfigResponse, StreamConfigResponseSchema } from "@switchyard/proto";
import type { ApplyError } from "./apply-error.ts";
import { snapshotFromProto } from "./snapshot-from-proto.ts";
import { snapshotToProto } from "./snapshot-to-proto.ts";

/** A message from the control plane, decoded to domain terms for the watcher. */
export type ControlMessage =
  | {
      readonly type: "snapshot";
      /** The version the control plane claims, which a Nack must name even when decoding failed. */
      readonly version: string;
      readonly nonce: string;
      readonly snapshot: Result<VersionedSnapshot, ApplyError>;
    }
  /** A kind this build does not know (a newer peer) or an empty message. */
  | { readonly type: "unknown" };

/** Wraps a snapshot for one send on the stream. */
export function snapshotResponse(s: VersionedSnapshot, nonce: string): StreamConfigResponse {
  return create(StreamConfigResponseSchema, { kind: { case: "snapshot", value: snapshotToProto(s, nonce) } });
}

/** Decodes a control plane message, checking any snapshot with {@link snapshotFromProto}. */
export function decodeControlMessage(msg: StreamConfigResponse): ControlMessage {
  if (msg.kind.case !== "snapshot") return { type: "unknown" };
  const s = msg.kind.value;
  return { type: "snapshot", version: s.version, nonce: s.nonce, snapshot: snapshotFromProto(s) };
}
