import type { VersionedSnapshot } from "@switchyard/policy";
import { type ConfigDelta, deltaSize, diffConfig, SNAPSHOT_PARTS } from "../codec/index.ts";

/** Published versions kept as delta bases; a node further behind gets the whole snapshot. */
const RECENT_VERSIONS = 16;

/**
 * The server's memory of recent snapshots, for deltas. A delta is computed once per (base, target) pair and
 * shared by every node on that base, which after a publish is nearly the whole fleet. Snapshots built one from
 * another share their unchanged parts and entities, so the diff is mostly pointer comparisons. A delta touching more
 * than half of the target's entities is not worth it: the node would rebuild as much as from a full one.
 */
export function createDeltaCache() {
  const recent = new Map<string, VersionedSnapshot>();
  const computed = new Map<string, ConfigDelta | null>();
  return {
    /** Remembers a published snapshot, forgetting the oldest beyond the limit. */
    published(s: VersionedSnapshot): void {
      recent.delete(s.version);
      recent.set(s.version, s);
      for (const v of recent.keys()) {
        if (recent.size <= RECENT_VERSIONS) break;
        recent.delete(v);
      }
      // Deltas to older targets are never asked for again.
      for (const key of computed.keys()) if (!key.endsWith(`>${s.version}`)) computed.delete(key);
    },
    /** The delta from `base` to `next`, or null (base unknown, or too big to be worth it). */
    from(base: string, next: VersionedSnapshot): ConfigDelta | null {
      const key = `${base}>${next.version}`;
      if (computed.has(key)) return computed.get(key) ?? null;
      const old = recent.get(base);
      let delta: ConfigDelta | null = null;
      if (old) {
        const d = diffConfig(old.config, next.config);
        const total = SNAPSHOT_PARTS.reduce((n, { part }) => n + next.config[part].length, 0);
        delta = deltaSize(d) * 2 <= Math.max(total, 1) ? d : null;
      }
      computed.set(key, delta);
      return delta;
    },
  };
}
