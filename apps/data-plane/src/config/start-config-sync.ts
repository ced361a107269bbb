import { type ConfigWatcher, createConfigWatcher } from "@switchyard/config-sync/client";
import { encodedSizeSteps, runSliced } from "@switchyard/config-sync/codec";
import { ok } from "@switchyard/errors";
import type { Logger } from "@switchyard/telemetry";
import type { Registry } from "prom-client";
import type { DataPlaneEnv } from "../env.ts";
import type { RuntimeHolder } from "../runtime/runtime-holder.ts";
import { createConfigFreshness } from "./config-freshness.ts";
import { createConfigMetrics } from "./config-metrics.ts";
import { snapshotFileKey } from "./snapshot-cipher.ts";
import { createSnapshotFile, type StoredSnapshot } from "./snapshot-file.ts";

/** What {@link startConfigSync} needs; main.ts builds these once. */
export interface ConfigSyncDeps {
  env: DataPlaneEnv;
  holder: RuntimeHolder;
  logger: Logger;
  registry: Registry;
  hostname: string;
  buildVersion: string;
}

/** The running config sync of a data plane. */
export interface ConfigSync {
  readonly watcher: ConfigWatcher;
  /** Whether the configuration allows serving: a snapshot is applied and it is not older than allowed. */
  configReady(): boolean;
  /** Ends the stream and waits for the last file write, if one is running. */
  stop(): Promise<void>;
}

/**
 * Wires the config stream to the runtime holder, the last-known-good file and the config metrics: every
 * pushed snapshot that applies is written to the file (after the Ack, off the answer path); at start, when
 * the control plane does not deliver in time, the file is served instead.
 */
export function startConfigSync(deps: ConfigSyncDeps): ConfigSync {
  const { env, holder } = deps;
  const logger = deps.logger.child({ component: "config-sync" });
  const freshness = createConfigFreshness();
  const metrics = createConfigMetrics(deps.registry, freshness);
  const file =
    env.snapshotFile === null
      ? null
      : createSnapshotFile({
          path: env.snapshotFile,
          key: snapshotFileKey(env.snapshotKey, env.nodeToken),
          logger,
          onWrite: (w) => {
            metrics.onFileWrite(w.ok);
            if (w.ok) metrics.snapshotBytes(w.bytes);
          },
        });
  let loaded: StoredSnapshot | null = null;
  let sizing: Promise<void> | null = null;

  const watcher = createConfigWatcher({
    url: env.controlPlaneUrl,
    tls: env.configTls,
    nodeToken: env.nodeToken,
    nodeId: env.nodeId,
    hostname: deps.hostname,
    labels: env.nodeLabels,
    buildVersion: deps.buildVersion,
    logger,
    keepalive: env.configKeepalive,
    async apply(s) {
      const result = await holder.applySliced(s);
      if (!result.ok) return result;
      const { routes, keys } = result.value;
      logger.info(
        { version: s.version, generation: String(s.generation), routes: routes.size, keys: keys.size },
        "runtime swapped",
      );
      return ok(undefined);
    },
    ...(file
      ? {
          fallback: {
            waitMs: env.snapshotStartupWaitMs,
            load: async () => {
              loaded = await file.load();
              return loaded?.snapshot ?? null;
            },
          },
        }
      : {}),
    // The `local` failure policy's share of each limit is recomputed from it (see limits/limit-index.ts).
    onFleetSize: (size) => holder.setFleetSize(size),
    onStateChange(state) {
      freshness.onState(state);
      metrics.onState(state);
      logger.info({ state }, "config stream state");
    },
    onApplyResult(report) {
      const fromDisk = report.source === "disk" && loaded?.snapshot.version === report.version ? loaded : null;
      freshness.onApply(report, fromDisk?.savedAtMs);
      metrics.onApply(report, report.snapshot?.generation);
      const s = report.snapshot;
      if (!s) return;
      if (fromDisk) metrics.snapshotBytes(fromDisk.bytes);
      else if (file) void file.save(s);
      else if (!sizing) {
        // Measured in slices, one at a time (a newer apply is measured by the next report, not queued).
        sizing = runSliced(encodedSizeSteps(s))
          .then((bytes) => metrics.snapshotBytes(bytes))
          .finally(() => {
            sizing = null;
          });
      }
    },
  });
  watcher.start();

  return {
    watcher,
    configReady() {
      if (holder.current() === null) return false;
      if (env.maxConfigStalenessMs === 0) return true;
      const age = freshness.ageMs();
      return age !== null && age <= env.maxConfigStalenessMs;
    },
    async stop() {
      await watcher.stop();
      await file?.flushed();
    },
  };
}
