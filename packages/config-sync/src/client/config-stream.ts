import * as grpc from "@grpc/grpc-js";
import { ConfigServiceClient } from "@switchyard/proto";
import {
  ackRequest,
  type ControlMessage,
  decodeControlMessage,
  helloRequest,
  type NodeHello,
  type NodeMessage,
  nackRequest,
} from "../codec/index.ts";
import type { SyncLogger } from "../logger.ts";
import type { DialTarget } from "./target.ts";

/** A stream that is not accepted (headers received) within this time is abandoned and retried. */
const CONNECT_TIMEOUT_MS = 10_000;

/** HTTP/2 keepalive of the config stream; a peer that does not answer a ping in time is treated as gone. */
export interface KeepaliveOptions {
  /** Interval between pings. */
  timeMs: number;
  /** How long a ping may go unanswered before the connection is closed. */
  timeoutMs: number;
}

/** Pings every 10 s, gone after 5 s of silence: a stalled path is noticed within about 15 s. */
export const DEFAULT_KEEPALIVE: KeepaliveOptions = { timeMs: 10_000, timeoutMs: 5_000 };

function channelOptions(k: KeepaliveOptions): Partial<grpc.ChannelOptions> {
  return {
    // Pings keep NAT and load balancer state alive and reveal a silent stall (half-open TCP, a frozen proxy)
    // that TCP itself would take minutes to report.
    "grpc.keepalive_time_ms": k.timeMs,
    "grpc.keepalive_timeout_ms": k.timeoutMs,
    "grpc.keepalive_permit_without_calls": 1,
    // Full snapshots with 100,000 keys are far above the 4 MiB default.
    "grpc.max_receive_message_length": 256 * 1024 * 1024,
  };
}

/** A snapshot message from the control plane. */
export type SnapshotMessage = Extract<ControlMessage, { type: "snapshot" }>;
/** The node's answer to one snapshot. */
export type SnapshotAnswer = Extract<NodeMessage, { type: "ack" | "nack" }>;

/** What one stream attempt needs from the watcher. */
export interface StreamAttemptOptions {
  target: DialTarget;
  nodeToken: string;
  hello: NodeHello;
  logger: SyncLogger;
  keepalive: KeepaliveOptions;
  /** Called once the control plane accepted the Hello. */
  onConnected(): void;
  /** Told the fleet size whenever a message carries one (0, "unknown", is never passed on). */
  onFleetSize(size: number): void;
  /** Decides the answer to a snapshot; calls are made one at a time, in arrival order. */
  answer(m: SnapshotMessage): Promise<SnapshotAnswer>;
}

/** One dial of the control plane, from Hello to the stream's end. */
export interface StreamAttempt {
  /** Settles after the stream ended and the answer in progress (if any) finished; never rejects. */
  readonly ended: Promise<{ connectedMs: number }>;
  /** Cancels the stream. */
  cancel(): void;
}

/**
 * Opens one config stream on a fresh channel. A fresh channel per attempt leaves reconnect timing entirely to
 * the watcher's backoff instead of mixing it with grpc-js's own channel backoff.
 */
export function openConfigStream(opts: StreamAttemptOptions): StreamAttempt {
  const { logger } = opts;
  const client = new ConfigServiceClient(opts.target.address, opts.target.credentials(), {
    ...channelOptions(opts.keepalive),
    ...opts.target.channelOptions,
  });
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${opts.nodeToken}`);
  const call = client.streamConfig(metadata);
  let connectedAt: number | null = null;
  let finished = false;
  let answers: Promise<void> = Promise.resolve();
  let resolveEnded: (r: { connectedMs: number }) => void = () => {};
  const ended = new Promise<{ connectedMs: number }>((resolve) => {
    resolveEnded = resolve;
  });

  const connectTimer = setTimeout(() => {
    logger.warn({ address: opts.target.address }, "control plane did not accept the config stream in time");
    call.cancel();
  }, CONNECT_TIMEOUT_MS);
  connectTimer.unref();

  call.on("metadata", () => {
    clearTimeout(connectTimer);
    connectedAt = Date.now();
    opts.onConnected();
  });
  call.on("data", (msg) => {
    const m = decodeControlMessage(msg);
    if (m.type === "fleet") {
      opts.onFleetSize(m.fleetSize);
      return;
    }
    if (m.type !== "snapshot") {
      logger.debug({}, "unknown control plane message ignored");
      return;
    }
    if (m.fleetSize > 0) opts.onFleetSize(m.fleetSize);
    answers = answers
      .then(() => opts.answer(m))
      .then((a) => {
        if (finished) return;
        call.write(
          a.type === "ack" ? ackRequest(a.version, a.nonce) : nackRequest(a.version, a.nonce, a.keptVersion, a.error),
        );
      })
      .catch((e: unknown) =>
        logger.error({ error: e instanceof Error ? e.message : String(e) }, "answering a snapshot failed"),
      );
  });
  // Every non-OK status also arrives as 'error'; 'status' below handles both, this only keeps it from throwing.
  call.on("error", () => {});
  call.on("status", (status: grpc.StatusObject) => {
    if (finished) return;
    finished = true;
    clearTimeout(connectTimer);
    logStatus(logger, opts.target.address, status);
    client.close();
    const connectedMs = connectedAt === null ? 0 : Date.now() - connectedAt;
    void answers.then(() => resolveEnded({ connectedMs }));
  });

  call.write(helloRequest(opts.hello));
  return { ended, cancel: () => call.cancel() };
}

function logStatus(logger: SyncLogger, address: string, s: grpc.StatusObject): void {
  const fields = { address, code: grpc.status[s.code], details: s.details };
  if (s.code === grpc.status.CANCELLED) logger.debug(fields, "config stream cancelled");
  else if (s.code === grpc.status.UNAUTHENTICATED || s.code === grpc.status.FAILED_PRECONDITION) {
    // These will not heal by retrying alone: the node token or the build needs attention.
    logger.error(fields, "control plane refused the config stream");
  } else logger.warn(fields, "config stream ended");
}
