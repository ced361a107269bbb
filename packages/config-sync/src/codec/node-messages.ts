import { create } from "@bufbuild/protobuf";
import { type StreamConfigRequest, StreamConfigRequestSchema } from "@switchyard/proto";
import { type ApplyError, applyErrorFromProto, applyErrorToProto } from "./apply-error.ts";

/** What a data plane says about itself when its stream opens. */
export interface NodeHello {
  readonly nodeId: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly buildVersion: string;
  readonly protocolVersion: number;
  /** Version the node applied before this stream, or null if it serves nothing yet. */
  readonly lastAppliedVersion: string | null;
  /** Generation of that snapshot, or null if it serves nothing yet (or the node is too old to say). */
  readonly lastAppliedGeneration: bigint | null;
  /** Optional protocol features the node understands (see {@link CAPABILITIES}). */
  readonly capabilities: readonly string[];
}

/** Optional protocol features; a peer uses one only when the other side listed it. */
export const CAPABILITIES = {
  /** The node applies SnapshotDelta messages against the version it acked. */
  delta: "delta-v1",
  /** The node reads FleetUpdate messages (fleet size changes between snapshots). */
  fleetSize: "fleet-size-v1",
} as const;

/** A message from a data plane, decoded to domain terms for the server. */
export type NodeMessage =
  | { readonly type: "hello"; readonly hello: NodeHello }
  | { readonly type: "ack"; readonly version: string; readonly nonce: string }
  | {
      readonly type: "nack";
      readonly version: string;
      readonly nonce: string;
      /** What the node still serves, or null if nothing. */
      readonly keptVersion: string | null;
      readonly error: ApplyError;
    }
  /** A kind this build does not know (a newer peer) or an empty message. */
  | { readonly type: "unknown" };

/** Decodes a data plane's message. */
export function decodeNodeMessage(msg: StreamConfigRequest): NodeMessage {
  switch (msg.kind.case) {
    case "hello": {
      const h = msg.kind.value;
      return {
        type: "hello",
        hello: {
          nodeId: h.nodeId,
          hostname: h.hostname,
          labels: { ...h.labels },
          buildVersion: h.buildVersion,
          protocolVersion: h.protocolVersion,
          lastAppliedVersion: h.lastAppliedVersion || null,
          lastAppliedGeneration: h.lastAppliedVersion && h.lastAppliedGeneration > 0n ? h.lastAppliedGeneration : null,
          capabilities: [...h.capabilities],
        },
      };
    }
    case "ack":
      return { type: "ack", version: msg.kind.value.version, nonce: msg.kind.value.nonce };
    case "nack": {
      const n = msg.kind.value;
      const error = applyErrorFromProto(n.error);
      return { type: "nack", version: n.version, nonce: n.nonce, keptVersion: n.keptVersion || null, error };
    }
    default:
      return { type: "unknown" };
  }
}

/** The Hello that opens a stream. */
export function helloRequest(h: NodeHello): StreamConfigRequest {
  return create(StreamConfigRequestSchema, {
    kind: {
      case: "hello",
      value: {
        nodeId: h.nodeId,
        hostname: h.hostname,
        labels: { ...h.labels },
        buildVersion: h.buildVersion,
        protocolVersion: h.protocolVersion,
        lastAppliedVersion: h.lastAppliedVersion ?? "",
        lastAppliedGeneration: h.lastAppliedGeneration ?? 0n,
        capabilities: [...h.capabilities],
      },
    },
  });
}

/** Confirms that the snapshot sent with `nonce` is applied. */
export function ackRequest(version: string, nonce: string): StreamConfigRequest {
  return create(StreamConfigRequestSchema, { kind: { case: "ack", value: { version, nonce } } });
}

/** Rejects the snapshot sent with `nonce`, saying what the node keeps serving and why. */
export function nackRequest(
  version: string,
  nonce: string,
  keptVersion: string | null,
  error: ApplyError,
): StreamConfigRequest {
  return create(StreamConfigRequestSchema, {
    kind: {
      case: "nack",
      value: { version, nonce, keptVersion: keptVersion ?? "", error: applyErrorToProto(error) },
    },
  });
}
