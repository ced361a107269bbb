import { diffPart, findById } from "@switchyard/config-sync/codec";
import type { ApiKeySpec, ConfigSnapshot, ConsumerSpec } from "@switchyard/policy";
import { isLayered, layeredKeys, MAX_LAYERED_CHANGES } from "./layered-keys.ts";
import type { KeyGrant } from "./types.ts";

/** Above this many changed consumers and keys, the key map is rebuilt rather than patched. */
export const PATCH_MAX_CHANGES = 1_000;

/** Loop iterations between two chances to yield to the event loop. */
export const YIELD_EVERY = 1_024;

/** The grant of each consumer, created once per compile and shared by all its keys. */
function grantMaker() {
  const grants = new Map<string, KeyGrant>();
  return (c: ConsumerSpec): KeyGrant => {
    let grant = grants.get(c.id);
    if (!grant) {
      grant = Object.freeze({ consumerId: c.id, groupId: c.groupId });
      grants.set(c.id, grant);
    }
    return grant;
  };
}

/**
 * Key hashes to grants for every key of an enabled consumer, built from scratch. A generator: it yields every
 * {@link YIELD_EVERY} keys so a caller can let the event loop serve requests between slices.
 */
export function* buildKeys(cfg: ConfigSnapshot): Generator<void, Map<string, KeyGrant>> {
  const enabled = new Map<string, ConsumerSpec>();
  for (let i = 0; i < cfg.consumers.length; i++) {
    const c = cfg.consumers[i] as ConsumerSpec;
    if (c.enabled) enabled.set(c.id, c);
    if (i % YIELD_EVERY === YIELD_EVERY - 1) yield;
  }
  const grantOf = grantMaker();
  const keys = new Map<string, KeyGrant>();
  for (let i = 0; i < cfg.apiKeys.length; i++) {
    const k = cfg.apiKeys[i] as ApiKeySpec;
    const consumer = enabled.get(k.consumerId);
    if (consumer) keys.set(k.hash, grantOf(consumer));
    if (i % YIELD_EVERY === YIELD_EVERY - 1) yield;
  }
  return keys;
}

/**
 * The key map of `cfg` from the one compiled for `prev`, when few consumers and keys changed (a grant depends
 * only on its consumer: id and group): only the changed keys, and the keys of changed consumers, are looked at
 * again, and the result is a layer of changes over the previous map's flat base (layered-keys.ts), so the
 * 100,000 entries are not copied. Returns null when a rebuild is due (too many changes, or a layer grown past
 * {@link MAX_LAYERED_CHANGES}).
 */
export function patchKeys(
  prev: ConfigSnapshot,
  prevKeys: ReadonlyMap<string, KeyGrant>,
  cfg: ConfigSnapshot,
): ReadonlyMap<string, KeyGrant> | null {
  const consumers = diffPart(prev.consumers, cfg.consumers);
  const apiKeys = diffPart(prev.apiKeys, cfg.apiKeys);
  const changes = consumers.upserts.length + consumers.removed.length + apiKeys.upserts.length + apiKeys.removed.length;
  if (changes > PATCH_MAX_CHANGES) return null;
  const base = isLayered(prevKeys) ? prevKeys.base : prevKeys;
  // This runtime's own layer: the previous runtime's stays as it is (requests may still read it).
  const layer = new Map<string, KeyGrant | null>(isLayered(prevKeys) ? prevKeys.changes : []);
  const drop = (hash: string): void => {
    if (base.has(hash)) layer.set(hash, null);
    else layer.delete(hash);
  };
  const refresh: ApiKeySpec[] = [...apiKeys.upserts];
  const dropOld = (id: string): void => {
    const i = findById(prev.apiKeys, id);
    if (i >= 0) drop((prev.apiKeys[i] as ApiKeySpec).hash);
  };
  for (const id of apiKeys.removed) dropOld(id);
  for (const k of apiKeys.upserts) dropOld(k.id);
  const touched = new Set([...consumers.upserts.map((c) => c.id), ...consumers.removed]);
  if (touched.size > 0) {
    for (const k of prev.apiKeys) if (touched.has(k.consumerId)) drop(k.hash);
    for (const k of cfg.apiKeys) if (touched.has(k.consumerId)) refresh.push(k);
  }
  const grantOf = grantMaker();
  for (const k of refresh) {
    const i = findById(cfg.consumers, k.consumerId);
    const consumer = i >= 0 ? (cfg.consumers[i] as ConsumerSpec) : null;
    if (consumer?.enabled) layer.set(k.hash, grantOf(consumer));
  }
  if (layer.size > MAX_LAYERED_CHANGES) return null;
  return layeredKeys(base, layer);
}
