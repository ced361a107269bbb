import {
  type ConfigDelta,
  checkChangedConsistency,
  compareIds,
  runSliced,
  versionSteps,
} from "@switchyard/config-sync/codec";
import {
  type ChangeNotice,
  CONFIG_CHANGES_CHANNEL,
  currentGeneration,
  type Db,
  type HistoryContent,
  historyContentOf,
  loadConfigChanges,
  loadConfigRows,
  type ProviderWithSecret,
  parseChangeNotice,
  snapshotHistory,
  type Unlisten,
} from "@switchyard/db";
import {
  type ConfigSnapshot,
  type ConsistencyProblem,
  checkConsistency,
  SNAPSHOT_SCHEMA_VERSION,
  type VersionedSnapshot,
} from "@switchyard/policy";
import type { Logger } from "@switchyard/telemetry";
import type { SecretBox } from "../secrets/secret-box.ts";
import { createDebouncer } from "./debounce.ts";
import { snapshotFromChanges, snapshotFromRows } from "./snapshot-build.ts";

/** Options for {@link createSnapshotPublisher}. */
export interface SnapshotPublisherOptions {
  db: Db;
  secrets: SecretBox;
  logger: Logger;
  /** Receives every new consistent snapshot (the gRPC config server's publish). */
  publish(snapshot: VersionedSnapshot): void;
  /** Quiet time that ends a burst of writes; a lone write is built at once. */
  debounceMs: number;
  /** Longest a write waits for its build while a burst goes on. */
  maxDelayMs?: number;
  /** Backstop: how often to look for generations committed elsewhere (another control plane replica). */
  pollIntervalMs: number;
  /** LISTEN for change notifications from every replica (default true). */
  listen?: boolean;
  /** Keep each published snapshot in the history table, trimmed to the newest `keep` (0: keep none). */
  historyKeep?: number;
  /** Called after each build attempt, for metrics. */
  onBuild?(result: {
    ok: boolean;
    generation: bigint;
    version?: string;
    durationMs: number;
    /** Whether the build started from the previous one (change rows) rather than a whole read. */
    incremental: boolean;
  }): void;
}

/** Builds snapshots from the database and hands consistent ones to the config server. */
export interface SnapshotPublisher {
  /** Builds and publishes the first snapshot; starts listening and the backstop poll. */
  start(): Promise<void>;
  /** Schedules a rebuild after a write that committed `generation`; `urgent` skips the debounce (see isUrgent). */
  changed(generation: bigint, urgent?: boolean): void;
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
  stop(): Promise<void>;
}

/** The parts of a snapshot that history stores as its policy part. */
const POLICY_PARTS = ["providers", "routes", "limits", "prices"] as const;

/** More change rows than this since the last build are read as a whole configuration instead. */
const MAX_INCREMENTAL_CHANGES = 10_000;

/** The configuration one build read, kept as the base of the next build. */
interface BuildState {
  readonly generation: bigint;
  readonly config: ConfigSnapshot;
  /** Provider rows with sealed credentials, by id, for history (the snapshot holds them decrypted). */
  readonly providers: ReadonlyMap<string, ProviderWithSecret>;
  /** Whether the configuration passed the consistency check. */
  readonly consistent: boolean;
}

/**
 * Changes that take access away: a revoked key (the only update a key gets) or a consumer changed or removed
 * (possibly disabled). They skip the debounce so they reach the fleet as fast as a build allows.
 */
export function isUrgent(n: ChangeNotice): boolean {
  return (n.entityKind === "api_key" && n.op !== "create") || (n.entityKind === "consumer" && n.op !== "create");
}

/**
 * Creates the publisher. Snapshots are always built from the database, never from a request, inside one
 * read transaction so the rows match their generation: a node only ever sees whole committed states, never
 * part of a burst. The first build reads everything; later ones read the change rows since the previous build
 * and the rows they name, and patch the previous configuration (equal to a full read, entity for entity). Writes reach the publisher three ways: this replica's admin API (`changed`), a NOTIFY from
 * any replica, and the backstop poll for anything a lost notification missed. Builds run one at a time;
 * writes arriving during a build schedule one more. An inconsistent build is logged and not published.
 */
export function createSnapshotPublisher(opts: SnapshotPublisherOptions): SnapshotPublisher {
  const { logger } = opts;
  let latest: VersionedSnapshot | undefined;
  let builtGeneration = -1n;
  /** The generation every finished build covers, its history included: what `settled` waits for. */
  let doneGeneration = -1n;
  let wanted = 0n;
  let running: Promise<void> | null = null;
  let poll: NodeJS.Timeout | undefined;
  let unlisten: Unlisten | undefined;
  let lastProblems: readonly ConsistencyProblem[] = [];
  let covered = -1n;
  let stopped = false;
  const waiters: { generation: bigint; resolve: () => void }[] = [];

  /** What the last build read (published or not): the base of the next, incremental, build. */
  let built: BuildState | null = null;
  /** History writes run one after another, behind the publishes, never delaying a build. */
  let history: Promise<void> = Promise.resolve();
  /** The configuration whose policy part history recorded last, with that content and its digest. */
  let recordedPolicy: { config: ConfigSnapshot; content: HistoryContent; digest: string } | null = null;

  /**
   * The configuration as of the newest committed generation: from the change rows since the last build when
   * there is one (cost follows the change), else read whole. `delta` is set for an incremental build.
   */
  const readNext = async (): Promise<BuildState & { delta?: ConfigDelta }> => {
    if (built) {
      const changes = await loadConfigChanges(opts.db, built.generation, MAX_INCREMENTAL_CHANGES);
      if (changes) {
        const { config, delta } = snapshotFromChanges(built.config, changes, opts.secrets);
        const providers = new Map(built.providers);
        for (const id of changes.touched.providers) providers.delete(id);
        for (const row of changes.rows.providers) providers.set(row.id, row);
        return { generation: changes.generation, config, providers, consistent: false, delta };
      }
    }
    const rows = await loadConfigRows(opts.db);
    const providers = new Map(rows.providers.map((p) => [p.id, p]));
    return { generation: rows.generation, config: snapshotFromRows(rows, opts.secrets), providers, consistent: false };
  };

  const build = async (): Promise<void> => {
    const started = performance.now();
    const next = await readNext();
    const { config, generation } = next;
    builtGeneration = generation;
    // A change-focused check needs a consistent base; after a refused build, check everything again.
    lastProblems =
      next.delta && built?.consistent
        ? checkChangedConsistency(config, next.delta, SNAPSHOT_SCHEMA_VERSION)
        : checkConsistency(config, SNAPSHOT_SCHEMA_VERSION);
    built = { ...next, consistent: lastProblems.length === 0 };
    if (lastProblems.length > 0) {
      logger.error(
        { generation: generation.toString(), problems: lastProblems },
        "snapshot is inconsistent; keeping the last published one",
      );
      const durationMs = performance.now() - started;
      opts.onBuild?.({ ok: false, generation, durationMs, incremental: next.delta !== undefined });
      return;
    }
    // Sliced: with 100,000 keys hashing takes long enough to hold up the streams' acks and sends.
    const version = await runSliced(versionSteps(config));
    const published: VersionedSnapshot = Object.freeze({ version, generation, config });
    const durationMs = performance.now() - started;
    opts.onBuild?.({ ok: true, generation, version, durationMs, incremental: next.delta !== undefined });
    covered = generation;
    if (latest?.version === version) return;
    latest = published;
    logger.info(
      { version, generation: generation.toString(), durationMs, incremental: next.delta !== undefined },
      "snapshot built",
    );
    opts.publish(published);
    if (opts.historyKeep) {
      // After the publish and off the build: history must never delay the fleet. A failure costs one history
      // entry, not a push.
      // It starts a turn later, so the sends just queued reach the sockets first.
      const keep = opts.historyKeep;
      history = history
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(async () => {
          const entry = historyEntry(config, next.providers);
          const digest = await snapshotHistory.record(opts.db, { generation, version, ...entry }, keep);
          recordedPolicy = { config, content: entry.content, digest };
        })
        .catch((e: Error) => logger.warn({ err: { message: e.message } }, "recording snapshot history failed"));
    }
  };

  /**
   * The history content of `config`. When its policy lists (providers, routes, limits, prices) are the very
   * lists last recorded (a merge keeps unchanged parts), the policy part and its digest are reused, so a key
   * change does not map and serialise 100,000 limits again; only the counts are new.
   */
  const historyEntry = (
    config: ConfigSnapshot,
    providers: ReadonlyMap<string, ProviderWithSecret>,
  ): { content: HistoryContent; policyDigest?: string } => {
    const last = recordedPolicy;
    if (last && POLICY_PARTS.every((part) => last.config[part] === config[part])) {
      const counts = { consumers: config.consumers.length, groups: config.groups.length };
      return { content: { ...last.content, ...counts, apiKeys: config.apiKeys.length }, policyDigest: last.digest };
    }
    const sorted = [...providers.values()].sort((a, b) => compareIds(a.id, b.id));
    return { content: historyContentOf({ ...config, providers: sorted }) };
  };

  const release = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w && w.generation <= doneGeneration) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };

  /** Releases the waiters a build covered, once its history is written (history runs behind the builds). */
  const finished = (): void => {
    const covers = builtGeneration;
    void history.then(() => {
      if (covers > doneGeneration) doneGeneration = covers;
      release();
    });
  };

  /** Set by each debounced request; a build that finds it set when done runs once more. */
  let requested = false;

  /**
   * Builds until no request is outstanding. Only the debouncer (or start) requests builds, so a burst that
   * keeps arriving while a build runs still gets one build per debounce period, not one per build's length.
   */
  const requestBuild = (): Promise<void> => {
    requested = true;
    if (running) return running;
    running = (async () => {
      try {
        while (requested && !stopped) {
          requested = false;
          const target = wanted;
          try {
            await build();
          } catch (e) {
            logger.error({ err: { message: (e as Error).message } }, "snapshot build failed");
            break;
          }
          if (builtGeneration < target) builtGeneration = target;
          finished();
        }
      } finally {
        running = null;
        finished();
      }
    })();
    return running;
  };

  const debouncer = createDebouncer({
    waitMs: opts.debounceMs,
    maxWaitMs: opts.maxDelayMs ?? Math.max(opts.debounceMs, 250),
    run: () => void requestBuild(),
  });

  const want = (generation: bigint, urgent = false): void => {
    if (stopped || generation <= builtGeneration) return;
    if (generation > wanted) wanted = generation;
    debouncer.trigger(urgent);
  };

  const catchUp = (): void => {
    void currentGeneration(opts.db)
      .then((g) => want(g))
      .catch((e: Error) => logger.warn({ err: { message: e.message } }, "generation check failed"));
  };

  return {
    async start() {
      await requestBuild();
      if (opts.listen !== false) {
        unlisten = await opts.db.listen(CONFIG_CHANGES_CHANNEL, {
          onPayload(payload) {
            const notice = parseChangeNotice(payload);
            if (notice) want(notice.generation, isUrgent(notice));
          },
          // Anything committed while the listening connection was down arrived unannounced.
          onConnected: catchUp,
          onError: (message) => logger.warn({ err: { message } }, "change notifications interrupted; reconnecting"),
        });
      }
      poll = setInterval(catchUp, opts.pollIntervalMs);
      poll.unref();
    },
    changed: (generation, urgent) => want(generation, urgent),
    current: () => latest,
    coveredGeneration: () => covered,
    problems: () => lastProblems,
    settled(generation) {
      if (generation <= doneGeneration) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ generation, resolve }));
    },
    async stop() {
      stopped = true;
      debouncer.cancel();
      if (poll) clearInterval(poll);
      await unlisten?.();
      await running;
      await history;
    },
  };
}
