import { err, type Result } from "@switchyard/errors";
import type { VersionedSnapshot } from "@switchyard/policy";
import { type ApplyError, CAPABILITIES, PROTOCOL_VERSION } from "../codec/index.ts";
import { createBackoff } from "./backoff.ts";
import {
  DEFAULT_KEEPALIVE,
  openConfigStream,
  type SnapshotAnswer,
  type SnapshotMessage,
  type StreamAttempt,
} from "./config-stream.ts";
import { parseTarget } from "./target.ts";
import type { ConfigWatcherOptions, SnapshotSource, WatcherState } from "./watcher-options.ts";

/** A stream connected this long was healthy, so the next reconnect starts again from the shortest delay. */
const HEALTHY_AFTER_MS = 10_000;

/** The data plane's end of the config stream. */
export interface ConfigWatcher {
  /** Starts dialing; reconnects until stopped. A stopped watcher cannot be started again. */
  start(): void;
  /** Cancels the stream and any pending reconnect; resolves once nothing is left running. */
  stop(): Promise<void>;
  /** Version of the snapshot currently applied, or null before the first one. */
  appliedVersion(): string | null;
  /**
   * Data-plane nodes the control plane last said are connected (this one included), or null before it said;
   * a `local` failure policy enforces ceil(limit / fleetSize) per node. Kept across reconnects.
   */
  fleetSize(): number | null;
}

/**
 * Creates the watcher a data plane runs to receive configuration: it dials the control plane, applies each
 * snapshot it receives through `apply`, acks or nacks it, and keeps serving the last good snapshot while
 * disconnected or after a rejected one. Applies run one at a time, whether pushed or loaded from disk.
 */
export function createConfigWatcher(opts: ConfigWatcherOptions): ConfigWatcher {
  const { logger } = opts;
  const target = parseTarget(opts.url, opts.tls);
  const backoff = createBackoff({
    initialMs: opts.backoff?.initialMs ?? 250,
    maxMs: opts.backoff?.maxMs ?? 10_000,
    healthyAfterMs: HEALTHY_AFTER_MS,
  });
  let applied: VersionedSnapshot | null = null;
  let fleet: number | null = null;
  let started = false;
  let stopped = false;
  let attempt: StreamAttempt | null = null;
  let retryTimer: NodeJS.Timeout | undefined;
  let fallbackTimer: NodeJS.Timeout | undefined;
  let fallbackDone = opts.fallback === undefined;
  let state: WatcherState = "disconnected";
  let queue: Promise<unknown> = Promise.resolve();

  const setState = (next: WatcherState): void => {
    if (next === state) return;
    state = next;
    opts.onStateChange?.(next);
  };

  /** Runs `fn` after every apply already queued, so a disk load and a push never interleave. */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => {});
    return run;
  };

  /** Applies `s`; on success it becomes what the node serves. Never throws. */
  const applyNow = async (
    s: VersionedSnapshot,
    source: SnapshotSource,
    decodeMs?: number,
  ): Promise<Result<void, ApplyError>> => {
    const started = performance.now();
    let result: Result<void, ApplyError>;
    try {
      result = await opts.apply(s);
    } catch (e) {
      logger.error({ version: s.version, error: e instanceof Error ? e.message : String(e) }, "apply threw");
      result = err({ code: "apply_failed", message: "the data plane failed to apply the snapshot" });
    }
    const durationMs = performance.now() - started;
    if (result.ok) applied = s;
    opts.onApplyResult?.({
      result: result.ok ? "ack" : "nack",
      source,
      version: s.version,
      durationMs,
      ...(decodeMs === undefined ? {} : { decodeMs }),
      ...(result.ok ? { snapshot: s } : {}),
    });
    return result;
  };

  const answer = (m: SnapshotMessage): Promise<SnapshotAnswer> =>
    exclusive(async () => {
      const keptVersion = applied?.version ?? null;
      const nack = (error: ApplyError): SnapshotAnswer => {
        logger.warn({ version: m.version, keptVersion, error }, "snapshot rejected; keeping the current one");
        return { type: "nack", version: m.version, nonce: m.nonce, keptVersion, error };
      };
      const decodeStarted = performance.now();
      const resolved = await m.resolve(applied);
      const decodeMs = performance.now() - decodeStarted;
      if (!resolved.ok) {
        opts.onApplyResult?.({ result: "nack", source: "stream", version: m.version, durationMs: 0, decodeMs });
        return nack(resolved.error);
      }
      const s = resolved.value;
      // Already serving it (the control plane lost track of this node): confirm without applying again.
      if (s.version === keptVersion) return { type: "ack", version: s.version, nonce: m.nonce };
      if (stopped) return nack({ code: "stopping", message: "the data plane is shutting down" });
      const result = await applyNow(s, "stream", decodeMs);
      if (!result.ok) return nack(result.error);
      logger.info({ version: s.version, generation: String(s.generation) }, "snapshot applied");
      return { type: "ack", version: s.version, nonce: m.nonce };
    });

  /** Serves the last-known-good snapshot once, if nothing better has arrived by then. */
  const useFallback = (reason: string): void => {
    const fallback = opts.fallback;
    if (fallbackDone || stopped || !fallback) return;
    fallbackDone = true;
    clearTimeout(fallbackTimer);
    void exclusive(async () => {
      if (applied || stopped) return;
      const s = await fallback.load().catch(() => null);
      if (!s || applied || stopped) return;
      const result = await applyNow(s, "disk");
      if (result.ok) {
        logger.warn(
          { version: s.version, generation: String(s.generation), reason },
          "serving the last-known-good snapshot from disk until the control plane answers",
        );
      } else logger.error({ version: s.version, error: result.error }, "last-known-good snapshot could not be applied");
    });
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
        lastAppliedGeneration: applied?.generation ?? null,
        capabilities: [CAPABILITIES.delta, CAPABILITIES.fleetSize],
      },
      logger,
      keepalive: opts.keepalive ?? DEFAULT_KEEPALIVE,
      onConnected: () => setState("connected"),
      onFleetSize: (size) => {
        if (size === fleet) return;
        fleet = size;
        logger.debug({ fleetSize: size }, "fleet size changed");
        opts.onFleetSize?.(size);
      },
      answer,
    });
    attempt = current;
    void current.ended.then(({ connectedMs }) => {
      attempt = null;
      setState("disconnected");
      if (stopped) return;
      if (!applied) useFallback("the control plane could not be reached");
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
      if (opts.fallback) {
        fallbackTimer = setTimeout(
          () => useFallback("the control plane sent no snapshot in time"),
          opts.fallback.waitMs,
        );
      }
      connect();
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(fallbackTimer);
      const running = attempt;
      if (running) {
        running.cancel();
        await running.ended;
      }
      setState("disconnected");
    },
    appliedVersion: () => applied?.version ?? null,
    fleetSize: () => fleet,
  };
}
