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
      /** Data-plane nodes the control plane sees connected; 0 when it did not say. */
      readonly fleetSize: number;
    }
  /** The fleet size changed (at least 1); the node recomputes its `local` shares of limits. */
  | { readonly type: "fleet"; readonly fleetSize: number }
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
export function snapshotResponse(s: VersionedSnapshot, nonce: string, fleetSize = 0): StreamConfigResponse {
  let payload = payloadBytes.get(s);
  if (!payload) {
    payload = toBinary(ConfigPayloadSchema, payloadToProto(s.config, s.config.schemaVersion));
    payloadBytes.set(s, payload);
  }
  const head = toBinary(
    SnapshotSchema,
    create(SnapshotSchema, { version: s.version, generation: s.generation, nonce, fleetSize }),
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
  fleetSize = 0,
): StreamConfigResponse {
  return create(StreamConfigResponseSchema, {
    kind: { case: "delta", value: deltaToProto(base, next, delta, nonce, fleetSize) },
  });
}

/** Tells a node the fleet size changed; sent only to nodes that list the fleet-size capability. */
export function fleetResponse(fleetSize: number): StreamConfigResponse {
  return create(StreamConfigResponseSchema, { kind: { case: "fleet", value: { fleetSize } } });
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
      fleetSize: s.fleetSize,
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
      fleetSize: d.fleetSize,
      resolve: (base) => runSliced(snapshotFromDeltaSteps(base, d)),
    };
  }
  if (msg.kind.case === "fleet" && msg.kind.value.fleetSize > 0) {
    return { type: "fleet", fleetSize: msg.kind.value.fleetSize };
  }
  return { type: "unknown" };
}
