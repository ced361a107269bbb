import { versionSnapshot } from "@switchyard/config-sync/codec";
import { currentGeneration, type Db, loadConfigRows } from "@switchyard/db";
import {
  buildSnapshot,
  type ConfigSnapshot,
  type ConsistencyProblem,
  checkConsistency,
  SNAPSHOT_SCHEMA_VERSION,
  type VersionedSnapshot,
} from "@switchyard/policy";
import type { Logger } from "@switchyard/telemetry";
import type { SecretBox } from "../secrets/secret-box.ts";

/** Options for {@link createSnapshotPublisher}. */
export interface SnapshotPublisherOptions {
  db: Db;
  secrets: SecretBox;
  logger: Logger;
  /** Receives every new consistent snapshot (the gRPC config server's publish). */
  publish(snapshot: VersionedSnapshot): void;
  /** Coalesces bursts of writes into one build. */
  debounceMs: number;
  /** Backstop: how often to look for generations committed elsewhere (another control plane replica). */
  pollIntervalMs: number;
  /** Called after each build attempt, for metrics. */
  onBuild?(result: { ok: boolean; generation: bigint; version?: string }): void;
}

/** Builds snapshots from the database and hands consistent ones to the config server. */
export interface SnapshotPublisher {
  /** Builds and publishes the first snapshot; starts the backstop poll. */
  start(): Promise<void>;
  /** Schedules a rebuild after a write that committed `generation`. */
  changed(generation: bigint): void;
  /** The latest published snapshot. */
  current(): VersionedSnapshot | undefined;
  /**
   * The newest generation whose writes the published snapshot reflects. It can be newer than the snapshot's
   * own generation when later writes left the content unchanged (nothing to push for those).
   */
  coveredGeneration(): bigint;
  /** Problems that kept the latest build from being published, or an empty list. */
  problems(): readonly ConsistencyProblem[];
  /** Resolves once everything up to `generation` has been built (published or refused). */
  settled(generation: bigint): Promise<void>;
  stop(): void;
}

/**
 * Creates the publisher. Snapshots are always built from the database, never from a request, inside one
 * read transaction so the rows match their generation. Builds run one at a time; writes arriving during a
 * build schedule exactly one more. An inconsistent build is logged and not published: data planes keep the
 * last good snapshot.
 */
export function createSnapshotPublisher(opts: SnapshotPublisherOptions): SnapshotPublisher {
  let latest: VersionedSnapshot | undefined;
  let builtGeneration = -1n;
  let wanted = 0n;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let lastProblems: readonly ConsistencyProblem[] = [];
  let covered = -1n;
  const waiters: { generation: bigint; resolve: () => void }[] = [];

  const build = async (): Promise<void> => {
    const rows = await loadConfigRows(opts.db);
    const config: ConfigSnapshot = buildSnapshot({
      providers: rows.providers.map((p) => ({
        id: p.id,
        name: p.name,
        kind: p.kind,
        baseUrl: p.baseUrl ?? "",
        apiKey: p.apiKey ? opts.secrets.open(p.apiKey) : null,
        connectTimeoutMs: p.connectTimeoutMs,
        firstByteTimeoutMs: p.firstByteTimeoutMs,
      })),
      routes: rows.routes.map((r) => ({
        id: r.id,
        alias: r.alias,
        providerId: r.providerId,
        upstreamModel: r.upstreamModel,
      })),
      consumers: rows.consumers.map((c) => ({ id: c.id, name: c.name, enabled: c.enabled })),
      apiKeys: rows.apiKeys.map((k) => ({ id: k.id, consumerId: k.consumerId, hash: k.hash })),
      limits: rows.limits.map((l) => ({
        id: l.id,
        kind: l.kind,
        window: l.window,
        scope: l.scope,
        scopeId: l.scopeId,
        limit: l.limit,
        failurePolicy: l.failurePolicy,
      })),
    });
    builtGeneration = rows.generation;
    lastProblems = checkConsistency(config, SNAPSHOT_SCHEMA_VERSION);
    if (lastProblems.length > 0) {
      opts.logger.error(
        { generation: rows.generation.toString(), problems: lastProblems },
        "snapshot is inconsistent; keeping the last published one",
      );
      opts.onBuild?.({ ok: false, generation: rows.generation });
      return;
    }
    const next = versionSnapshot(config, rows.generation);
    opts.onBuild?.({ ok: true, generation: rows.generation, version: next.version });
    covered = rows.generation;
    if (latest?.version === next.version) return;
    latest = next;
    opts.logger.info({ version: next.version, generation: next.generation.toString() }, "snapshot published");
    opts.publish(next);
  };

  const release = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w && w.generation <= builtGeneration) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };

  const runOnce = (): Promise<void> => {
    if (running) return running;
    running = (async () => {
      try {
        do {
          const target = wanted;
          try {
            await build();
          } catch (e) {
            opts.logger.error({ err: { message: (e as Error).message } }, "snapshot build failed");
            break;
          }
          if (builtGeneration < target) builtGeneration = target;
        } while (wanted > builtGeneration);
      } finally {
        running = null;
        release();
      }
    })();
    return running;
  };

  const schedule = (): void => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void runOnce();
    }, opts.debounceMs);
  };

  return {
    async start() {
      await runOnce();
      poll = setInterval(() => {
        void currentGeneration(opts.db)
          .then((g) => {
            if (g > builtGeneration) {
              wanted = g > wanted ? g : wanted;
              schedule();
            }
          })
          .catch((e: Error) => opts.logger.warn({ err: { message: e.message } }, "generation poll failed"));
      }, opts.pollIntervalMs);
      poll.unref();
    },
    changed(generation) {
      if (generation > wanted) wanted = generation;
      schedule();
    },
    current: () => latest,
    coveredGeneration: () => covered,
    problems: () => lastProblems,
    settled(generation) {
      if (generation <= builtGeneration) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ generation, resolve }));
    },
    stop() {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
    },
  };
}
