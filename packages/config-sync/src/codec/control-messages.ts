import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Result } from "@switchyard/errors";
import type { VersionedSnapshot } from "@switchyard/policy";
import {
  ConfigPayloadSchema,
  preEncoded,
  SnapshotSchema,
  type StreamConfigResponse,
  StreamConfigResponseSchema,
} from "@switchyard/proto";
import type { ApplyError } from "./apply-error.ts";
import { runSliced } from "./run-sliced.ts";
import { type ConfigDelta, deltaToProto, snapshotFromDeltaSteps } from "./snapshot-delta.ts";
import { snapshotFromProtoSteps } from "./snapshot-from-proto.ts";
import { payloadToProto } from "./snapshot-to-proto.ts";

/** A message from the control plane, decoded to domain terms for the watcher. */
export type ControlMessage =
  | {
      readonly type: "snapshot";
      /** The version the control plane claims, which a Nack must name even when decoding failed. */
      readonly version: string;
      readonly nonce: string;
      /**
       * The snapshot this message gives a node that serves `base`: a full snapshot ignores `base`, a delta
       * is applied to it. Checked as {@link snapshotFromProto} checks a full one; the work gives the event loop a
       * turn every few milliseconds (runSliced) so a node keeps serving while it verifies a large snapshot.
       */
      resolve(base: VersionedSnapshot | null): Promise<Result<VersionedSnapshot, ApplyError>>;
      /** Whether the message was a delta (for metrics and logs). */
      readonly delta: boolean;
    }
  /** A kind this build does not know (a newer peer) or an empty message. */
  | { readonly type: "unknown" };

/** Encoded payloads by snapshot: a snapshot sent to many nodes is converted and encoded once, not per node. */
const payloadBytes = new WeakMap<VersionedSnapshot, Uint8Array>();

/**
 * Wraps a snapshot for one send on the stream. The payload (nearly all of the bytes with 100,000 keys) is
 * encoded once per snapshot and reused for every node; only the version, generation and nonce are encoded
 * per send. Protobuf lets fields of one message be written in separate pieces, so the result is the same
 * message a plain encoder would produce.
 */
export function snapshotResponse(s: VersionedSnapshot, nonce: string): StreamConfigResponse {
  let payload = payloadBytes.get(s);
  if (!payload) {
    payload = toBinary(ConfigPayloadSchema, payloadToProto(s.config, s.config.schemaVersion));
    payloadBytes.set(s, payload);
  }
  const head = toBinary(
    SnapshotSchema,
    create(SnapshotSchema, { version: s.version, generation: s.generation, nonce }),
  );
  const snapshot = new BinaryWriter().raw(head).tag(4, WireType.LengthDelimited).bytes(payload).finish();
  return preEncoded(new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(snapshot).finish());
}

/** Wraps a delta from the snapshot `base` (a version the node has) to `next` for one send. */
export function deltaResponse(
  base: string,
  next: VersionedSnapshot,
  delta: ConfigDelta,
  nonce: string,
): StreamConfigResponse {
  return create(StreamConfigResponseSchema, {
    kind: { case: "delta", value: deltaToProto(base, next, delta, nonce) },
  });
}

/** Decodes a control plane message; a snapshot or delta is checked only when resolved. */
export function decodeControlMessage(msg: StreamConfigResponse): ControlMessage {
  if (msg.kind.case === "snapshot") {
    const s = msg.kind.value;
    return {
      type: "snapshot",
      version: s.version,
      nonce: s.nonce,
      delta: false,
      resolve: () => runSliced(snapshotFromProtoSteps(s)),
    };
  }
  if (msg.kind.case === "delta") {
    const d = msg.kind.value;
    return {
      type: "snapshot",
      version: d.version,
      nonce: d.nonce,
      delta: true,
      resolve: (base) => runSliced(snapshotFromDeltaSteps(base, d)),
    };
  }
  return { type: "unknown" };
}
