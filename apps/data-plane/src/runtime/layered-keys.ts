import type { KeyGrant } from "./types.ts";

/** Above this many changed hashes over the base, a patch gives up and the key map is rebuilt flat (sliced). */
export const MAX_LAYERED_CHANGES = 4_096;

/** A key map made of a shared flat base and a small layer of changes over it. */
export interface LayeredKeys extends ReadonlyMap<string, KeyGrant> {
  /** The flat map shared with earlier runtimes; never changed after it was built. */
  readonly base: ReadonlyMap<string, KeyGrant>;
  /** Hashes changed since the base: a grant, or null for a key gone. */
  readonly changes: ReadonlyMap<string, KeyGrant | null>;
}

/**
 * A read-only key map: `changes` over `base`. A one-key change then costs a copy of the small layer instead of
 * the whole map (100,000 entries), and every runtime keeps its own map unchanged: the base is shared and never
 * written, each layer belongs to one runtime. Lookups check the layer, then the base.
 */
export function layeredKeys(
  base: ReadonlyMap<string, KeyGrant>,
  changes: ReadonlyMap<string, KeyGrant | null>,
): LayeredKeys {
  let size = base.size;
  for (const [hash, grant] of changes) {
    const inBase = base.has(hash);
    if (grant === null && inBase) size--;
    else if (grant !== null && !inBase) size++;
  }
  function* entries(): Generator<[string, KeyGrant], undefined> {
    for (const [hash, grant] of changes) if (grant !== null) yield [hash, grant];
    for (const entry of base) if (!changes.has(entry[0])) yield entry;
    return undefined;
  }
  function* keys(): Generator<string, undefined> {
    for (const [hash] of entries()) yield hash;
    return undefined;
  }
  function* values(): Generator<KeyGrant, undefined> {
    for (const [, grant] of entries()) yield grant;
    return undefined;
  }
  const get = (hash: string): KeyGrant | undefined => {
    const changed = changes.get(hash);
    if (changed !== undefined) return changed ?? undefined;
    return base.get(hash);
  };
  const map: LayeredKeys = {
    base,
    changes,
    size,
    get,
    has: (hash) => get(hash) !== undefined,
    entries,
    keys,
    values,
    forEach(fn, thisArg) {
      for (const [hash, grant] of entries()) fn.call(thisArg, grant, hash, map);
    },
    [Symbol.iterator]: entries,
  };
  return Object.freeze(map);
}

/** Whether `keys` is a layered map (made by {@link layeredKeys}). */
export function isLayered(keys: ReadonlyMap<string, KeyGrant>): keys is LayeredKeys {
  return "changes" in keys && "base" in keys;
}
