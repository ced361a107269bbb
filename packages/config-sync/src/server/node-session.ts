import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import type { VersionedSnapshot } from "@switchyard/policy";
import type { ConfigServiceHandlers } from "@switchyard/proto";
import {
  CAPABILITIES,
  type ConfigDelta,
  decodeNodeMessage,
  deltaResponse,
  fleetResponse,
  MIN_PROTOCOL_VERSION,
  type NodeHello,
  type NodeMessage,
  PROTOCOL_VERSION,
  snapshotResponse,
} from "../codec/index.ts";
import type { SyncLogger } from "../logger.ts";
import type { ConfigServerEvents } from "./config-server.ts";
import type { NodeRegistry } from "./node-registry.ts";

/** A node that opens a stream but never says Hello is holding a slot for nothing. */
const HELLO_TIMEOUT_MS = 10_000;

type ConfigCall = Parameters<ConfigServiceHandlers["streamConfig"]>[0];

/** The explicit refusal a node with an unservable protocol version gets, also shown in the fleet view. */
function protocolRefusal(version: number): string {
  return `protocol version ${version} is not supported; this control plane serves versions ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`;
}

/** One data plane's open stream, as the server drives it. */
export interface NodeSession {
  /** Sends `s` unless the node already has it (sent or acked); coalesces while the stream is backed up. */
  offer(s: VersionedSnapshot): void;
  /** Tells the node the fleet size changed, if it reads FleetUpdate messages; the latest value wins. */
  fleet(size: number): void;
  /** Ends the stream with a status, such as UNAVAILABLE on shutdown. */
  end(code: grpc.status, details: string): void;
}

interface SessionDeps {
  /** The delta from version `base` to `next`, or null when the server no longer has `base` or a delta is not worth it. */
  deltaFrom(base: string, next: VersionedSnapshot): ConfigDelta | null;
  /** The node id a verified client certificate names; the Hello must carry the same id. */
  certificateIdentity: string | null;
  /** The node authenticated with an older token still accepted during a rotation. */
  previousToken: boolean;
  current(): VersionedSnapshot | undefined;
  /** The fleet size every Snapshot and delta carries. */
  fleetSize(): number;
  /** A node was accepted or left: the server recounts the fleet. */
  onMembership(): void;
  registry: NodeRegistry;
  logger: SyncLogger;
  events: ConfigServerEvents;
  onClosed(session: NodeSession): void;
}

/**
 * Runs the protocol for one authenticated stream: Hello first, then one Snapshot per new version, each with
 * a fresh nonce; an Ack or Nack counts only if it answers the latest nonce, so a late answer to an older send
 * cannot overwrite the node's status.
 */
export function startNodeSession(call: ConfigCall, deps: SessionDeps): NodeSession {
  const { registry, logger, events } = deps;
  let hello: NodeHello | null = null;
  /** The version the node has or is being sent; a snapshot with this version is not sent again. */
  let known: string | null = null;
  let latestNonce: string | null = null;
  /** Generation of the snapshot sent with `latestNonce`, recorded when the node acks it. */
  let latestGeneration = 0n;
  const streamId = randomUUID();
  /** The version the node serves as far as we know: a delta is computed against it. */
  let base: string | null = null;
  let takesDeltas = false;
  let takesFleet = false;
  /** A fleet size to send once the stream drains; null when none is waiting. */
  let fleetQueued: number | null = null;
  let blocked = false;
  let queued: VersionedSnapshot | null = null;
  let closed = false;

  const close = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(helloTimer);
    if (hello) {
      registry.disconnected(hello.nodeId, session);
      logger.info({ nodeId: hello.nodeId }, "data plane disconnected");
      deps.onMembership();
    }
    deps.onClosed(session);
  };

  const end = (code: grpc.status, details: string): void => {
    if (closed) return;
    // grpc-js turns an emitted error into the call's final status and ends the stream.
    call.emit("error", { code, details });
    close();
  };

  /**
   * Sends `s`, as a delta against `base` when the node takes deltas and the server still has that version;
   * whole otherwise. After the send the node is assumed to serve `s`; a Nack corrects that.
   */
  const send = (s: VersionedSnapshot, full = false): void => {
    latestNonce = randomUUID();
    latestGeneration = s.generation;
    known = s.version;
    const delta = !full && takesDeltas && base !== null && base !== s.version ? deps.deltaFrom(base, s) : null;
    const fleetSize = deps.fleetSize();
    const message =
      delta && base
        ? deltaResponse(base, s, delta, latestNonce, fleetSize)
        : snapshotResponse(s, latestNonce, fleetSize);
    // The snapshot carries the size, so a FleetUpdate still waiting is stale.
    fleetQueued = null;
    blocked = !call.write(message);
    base = s.version;
    events.onSent?.(delta ? "delta" : "full");
    logger.debug(
      { nodeId: hello?.nodeId, version: s.version, generation: String(s.generation), delta: delta !== null },
      "snapshot sent",
    );
  };

  const offer = (s: VersionedSnapshot): void => {
    if (!hello || closed) return;
    if (blocked) {
      // Only the newest snapshot matters; an older queued one is replaced rather than sent late.
      queued = s.version === known ? null : s;
      return;
    }
    if (s.version !== known) send(s);
  };

  const fleet = (size: number): void => {
    if (!hello || closed || !takesFleet) return;
    if (blocked) {
      fleetQueued = size;
      return;
    }
    blocked = !call.write(fleetResponse(size));
  };

  /** Why a Hello cannot be accepted, as a status to end the stream with; null if it can. */
  const refuseHello = (h: NodeHello): [grpc.status, string] | null => {
    if (hello) return [grpc.status.INVALID_ARGUMENT, "Hello may be sent only once per stream"];
    if (!h.nodeId) return [grpc.status.INVALID_ARGUMENT, "Hello must carry a node_id"];
    if (deps.certificateIdentity !== null && deps.certificateIdentity !== h.nodeId) {
      return [
        grpc.status.PERMISSION_DENIED,
        `node_id "${h.nodeId.slice(0, 128)}" does not match the client certificate's identity`,
      ];
    }
    if (h.protocolVersion < MIN_PROTOCOL_VERSION || h.protocolVersion > PROTOCOL_VERSION) {
      return [grpc.status.FAILED_PRECONDITION, protocolRefusal(h.protocolVersion)];
    }
    return null;
  };

  const onHello = (h: NodeHello): void => {
    const refusal = refuseHello(h);
    if (refusal) {
      logger.warn({ nodeId: h.nodeId, reason: refusal[1] }, "config stream refused");
      const incompatible = refusal[0] === grpc.status.FAILED_PRECONDITION;
      if (incompatible) registry.refused(h, streamId, refusal[1]);
      events.onRefused?.(incompatible ? "incompatible" : "invalid");
      end(...refusal);
      return;
    }
    clearTimeout(helloTimer);
    hello = h;
    known = h.lastAppliedVersion;
    base = h.lastAppliedVersion;
    takesDeltas = h.capabilities.includes(CAPABILITIES.delta);
    takesFleet = h.capabilities.includes(CAPABILITIES.fleetSize);
    registry.connected(h, session, streamId);
    deps.onMembership();
    events.onConnected?.();
    // Headers now tell the node it was accepted, even when there is no snapshot to send yet.
    call.sendMetadata(new grpc.Metadata());
    logger.info({ nodeId: h.nodeId, hostname: h.hostname, lastAppliedVersion: known }, "data plane connected");
    if (deps.previousToken) logger.warn({ nodeId: h.nodeId }, "data plane uses a previous node token; update it");
    const current = deps.current();
    if (current) offer(current);
  };

  const onAnswer = (node: NodeHello, m: Extract<NodeMessage, { type: "ack" | "nack" }>): void => {
    if (m.nonce !== latestNonce) {
      logger.debug({ nodeId: node.nodeId, type: m.type, version: m.version }, "stale answer ignored");
    } else if (m.type === "ack") {
      events.onAnswer?.("ack");
      registry.acked(node.nodeId, session, m.version, latestGeneration);
      logger.info({ nodeId: node.nodeId, version: m.version }, "data plane applied snapshot");
    } else {
      events.onAnswer?.("nack");
      // The node kept what it had: the next delta must start from there.
      base = m.keptVersion;
      if (m.error.code === "delta_base_mismatch") {
        // Not a problem with the configuration: our idea of the node's version was wrong. Send it whole.
        logger.info({ nodeId: node.nodeId, version: m.version }, "delta did not fit the node; sending the snapshot");
        const current = deps.current();
        if (current && !blocked) send(current, true);
        return;
      }
      registry.nacked(node.nodeId, session, m.version, m.error);
      logger.warn(
        { nodeId: node.nodeId, version: m.version, keptVersion: m.keptVersion, error: m.error },
        "data plane rejected snapshot",
      );
    }
  };

  const onMessage = (m: NodeMessage): void => {
    if (m.type === "hello") onHello(m.hello);
    else if (!hello) end(grpc.status.INVALID_ARGUMENT, "the first message must be Hello");
    else if (m.type === "unknown") logger.debug({ nodeId: hello.nodeId }, "unknown message ignored");
    else onAnswer(hello, m);
  };

  const session: NodeSession = { offer, fleet, end };
  const helloTimer = setTimeout(() => end(grpc.status.DEADLINE_EXCEEDED, "no Hello received"), HELLO_TIMEOUT_MS);
  helloTimer.unref();

  call.on("data", (msg) => onMessage(decodeNodeMessage(msg)));
  call.on("drain", () => {
    blocked = false;
    const next = queued;
    queued = null;
    if (next) offer(next);
    const size = fleetQueued;
    fleetQueued = null;
    if (size !== null && !blocked) fleet(size);
    else if (size !== null) fleetQueued = size;
  });
  // The node half-closed: it will send nothing more, so finish our side too.
  call.on("end", () => {
    if (!closed) call.end();
    close();
  });
  call.on("cancelled", close);
  call.on("error", close);
  return session;
}
