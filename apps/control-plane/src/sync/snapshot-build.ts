import type { ConfigDelta, RemovedIds } from "@switchyard/config-sync/codec";
import { findById, mergeDelta, SNAPSHOT_PARTS } from "@switchyard/config-sync/codec";
import {
  type ConfigChanges,
  type ConfigPartRows,
  type ConfigRows,
  limitSpec,
  priceSpec,
  routeSpec,
} from "@switchyard/db";
import { buildSnapshot, type ConfigSnapshot, SNAPSHOT_SCHEMA_VERSION, type SnapshotInput } from "@switchyard/policy";
import type { SecretBox } from "../secrets/secret-box.ts";

/**
 * Row to domain entity, by part. Provider credentials are decrypted here, on the control plane, so data planes
 * never hold the master key. A new entity kind is one entry.
 */
const SPEC_OF: { [K in keyof ConfigPartRows]: (row: ConfigPartRows[K][number], secrets: SecretBox) => object } = {
  providers: (p, secrets) => ({
    id: p.id,
    name: p.name,
    kind: p.kind,
    baseUrl: p.baseUrl ?? "",
    apiKey: p.apiKey ? secrets.open(p.apiKey) : null,
    connectTimeoutMs: p.connectTimeoutMs,
    firstByteTimeoutMs: p.firstByteTimeoutMs,
    apiVersion: p.apiVersion,
    allowInternal: p.allowInternal,
  }),
  routes: routeSpec,
  consumers: (c) => ({ id: c.id, name: c.name, enabled: c.enabled, groupId: c.groupId }),
  groups: (g) => ({ id: g.id, name: g.name }),
  apiKeys: (k) => ({ id: k.id, consumerId: k.consumerId, hash: k.hash }),
  limits: limitSpec,
  prices: priceSpec,
};

/** The domain entities of some rows, by part. */
function specsOf(rows: Readonly<ConfigPartRows>, secrets: SecretBox): SnapshotInput {
  const out: Record<string, object[]> = {};
  for (const { part } of SNAPSHOT_PARTS) {
    const toSpec = SPEC_OF[part] as (row: unknown, secrets: SecretBox) => object;
    out[part] = (rows[part] as unknown[]).map((r) => toSpec(r, secrets));
  }
  return out as unknown as SnapshotInput;
}

/** The snapshot for a set of config rows (the whole configuration). Pure apart from the decryption. */
export function snapshotFromRows(rows: ConfigRows, secrets: SecretBox): ConfigSnapshot {
  return buildSnapshot(specsOf(rows, secrets));
}

/**
 * The snapshot after `changes`, built from the one for the generation they start at, and the delta between
 * the two. Touched ids with a current row are upserted, the others removed; so are entities of `prev` that
 * name an owner that changed (a consumer's keys and limits go with its delete, without change rows of their
 * own). Equal, entity for entity, to snapshotFromRows of a full load at `changes.generation` (the incremental
 * build test proves it); costs what changed plus one pass over a part per changed owner.
 */
export function snapshotFromChanges(
  prev: ConfigSnapshot,
  changes: ConfigChanges,
  secrets: SecretBox,
): { config: ConfigSnapshot; delta: ConfigDelta } {
  const upserts = specsOf(changes.rows, secrets);
  const removed: Record<string, string[]> = {};
  for (const { part } of SNAPSHOT_PARTS) {
    const present = new Set((upserts[part] as readonly { id: string }[]).map((e) => e.id));
    const touched = new Set(changes.touched[part]);
    for (const o of changes.owners) {
      if (o.part !== part) continue;
      const owners = new Set(o.ownerIds);
      for (const e of prev[part] as readonly object[]) {
        const owner = (e as Record<string, unknown>)[o.ownerField];
        if (typeof owner === "string" && owners.has(owner)) touched.add((e as { id: string }).id);
      }
    }
    removed[part] = [...touched].filter((id) => !present.has(id) && findById(prev[part], id) >= 0);
  }
  const delta: ConfigDelta = { upserts, removed: removed as unknown as RemovedIds };
  return { config: mergeDelta(prev, delta, SNAPSHOT_SCHEMA_VERSION), delta };
}
