import { err, type Result } from "@switchyard/errors";
import type { VersionedSnapshot } from "@switchyard/policy";
import { type ApplyError, PROTOCOL_VERSION } from "../codec/index.ts";
import type { SyncLogger } from "../logger.ts";
import { createBackoff } from "./backoff.ts";
import { openConfigStream, type SnapshotAnswer, type SnapshotMessage, type StreamAttempt } from "./config-stream.ts";
import { parseTarget } from "./target.ts";

/** A stream connected this long was healthy, so the next reconnect starts again from the shortest delay. */
const HEALTHY_AFTER_MS = 10_000;

/** Connection state reported to {@link ConfigWatcherOptions.onStateChange}. */
export type WatcherState = "connecting" | "connected" | "disconnected";

/** Options of {@link createConfigWatcher}. */
export interface ConfigWatcherOptions {
  /** The control plane's config stream: `host:port` or `http://host:port`. */
  url: string;
  /** Bearer token the control plane accepts from data planes. */
  nodeToken: string;
  nodeId: string;
  hostname: string;
  labels: Record<string, string>;
  buildVersion: string;
  /**
   * Compiles and swaps in a snapshot. An error keeps the node on what it served before and is reported to the
   * control plane; a throw is treated the same way.
   */
  apply(s: VersionedSnapshot): Result<void, ApplyError> | Promise<Result<void, ApplyError>>;
  logger: SyncLogger;
  /** Reconnect delays: full jitter between 0 and `initialMs * 2^n`, capped at `maxMs`. */
  backoff?: { initialMs?: number; maxMs?: number };
  onStateChange?(state: WatcherState): void;
}

/** The data plane's end of the config stream. */
export interface ConfigWatcher {
  /** Starts dialing; reconnects until stopped. A stopped watcher cannot be started again. */
  start(): void;
  /** Cancels the stream and any pending reconnect; resolves once nothing is left running. */
  stop(): Promise<void>;
  /** Version of the snapshot currently applied, or null before the first one. */
  appliedVersion(): string | null;
}

/**
 * Creates the watcher a data plane runs to receive configuration: it dials the control plane, applies each
 * snapshot it receives through `apply`, acks or nacks it, and keeps serving the last good snapshot while
 * disconnected or after a rejected one.
 */
export function createConfigWatcher(opts: ConfigWatcherOptions): ConfigWatcher {
  const { logger } = opts;
  const target = parseTarget(opts.url);
  const backoff = createBackoff({
    initialMs: opts.backoff?.initialMs ?? 250,
    maxMs: opts.backoff?.maxMs ?? 10_000,
    healthyAfterMs: HEALTHY_AFTER_MS,
  });
  let applied: VersionedSnapshot | null = null;
  let started = false;
  let stopped = false;
  let attempt: StreamAttempt | null = null;
  let retryTimer: NodeJS.Timeout | undefined;
  let state: WatcherState = "disconnected";

  const setState = (next: WatcherState): void => {
    if (next === state) return;
    state = next;
    opts.onStateChange?.(next);
  };

  const applySafely = async (s: VersionedSnapshot): Promise<Result<void, ApplyError>> => {
    try {
      return await opts.apply(s);
    } catch (e) {
      logger.error({ version: s.version, error: e instanceof Error ? e.message : String(e) }, "apply threw");
      return err({ code: "apply_failed", message: "the data plane failed to apply the snapshot" });
    }
  };

  const answer = async (m: SnapshotMessage): Promise<SnapshotAnswer> => {
    const keptVersion = applied?.version ?? null;
    const nack = (error: ApplyError): SnapshotAnswer => {
      logger.warn({ version: m.version, keptVersion, error }, "snapshot rejected; keeping the current one");
      return { type: "nack", version: m.version, nonce: m.nonce, keptVersion, error };
    };
    if (!m.snapshot.ok) return nack(m.snapshot.error);
    const s = m.snapshot.value;
    // Already serving it (the control plane lost track of this node): confirm without applying again.
    if (s.version === keptVersion) return { type: "ack", version: s.version, nonce: m.nonce };
    if (stopped) return nack({ code: "stopping", message: "the data plane is shutting down" });
    const result = await applySafely(s);
    if (!result.ok) return nack(result.error);
    applied = s;
    logger.info({ version: s.version, generation: String(s.generation) }, "snapshot applied");
    return { type: "ack", version: s.version, nonce: m.nonce };
  };

  const connect = (): void => {
    setState("connecting");
    const current = openConfigStream({
      target,
      nodeToken: opts.nodeToken,
      hello: {
        nodeId: opts.nodeId,
        hostname: opts.hostname,
        labels: opts.labels,
        buildVersion: opts.buildVersion,
        protocolVersion: PROTOCOL_VERSION,
        lastAppliedVersion: applied?.version ?? null,
      },
      logger,
      onConnected: () => setState("connected"),
      answer,
    });
    attempt = current;
    void current.ended.then(({ connectedMs }) => {
      attempt = null;
      setState("disconnected");
      if (stopped) return;
      backoff.streamEnded(connectedMs);
      const delayMs = backoff.next();
      logger.debug({ delayMs }, "reconnecting to the control plane");
      retryTimer = setTimeout(connect, delayMs);
    });
  };

  return {
    start() {
      if (started || stopped) return;
      started = true;
      connect();
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      const running = attempt;
      if (running) {
        running.cancel();
        await running.ended;
      }
      setState("disconnected");
    },
    appliedVersion: () => applied?.version ?? null,
  };
}
