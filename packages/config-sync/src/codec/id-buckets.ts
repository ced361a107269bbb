/**
 * Buckets of a part: the entities of a list sorted by id, grouped by the first two characters of their id.
 * Sorted by id, a bucket's entities are contiguous, and a one-entity change touches one bucket; with UUIDs
 * there are up to 256 buckets per part (about 400 entities each at 100,000 keys). The snapshot version is
 * defined over them (canonical-hash.ts), and the encoder reuses each unchanged bucket's bytes.
 */

/** The bucket of an entity ("" for an element without a string id). */
export function bucketKey(e: unknown): string {
  const id = e !== null && typeof e === "object" ? (e as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id.slice(0, 2) : "";
}

/** The end (exclusive) of the bucket starting at `start` in `list`, found by binary search. */
export function bucketEnd(list: readonly unknown[], start: number, key: string): number {
  let lo = start + 1;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bucketKey(list[mid]) === key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A value computed from one bucket, with the objects it was computed from (all frozen). */
interface CachedBucket<T> {
  readonly members: readonly unknown[];
  readonly value: T;
}

/**
 * Values computed per bucket (a digest, encoded bytes), kept by part and bucket key for the next snapshot:
 * snapshots are immutable and a merge keeps the objects of unchanged entities, so a bucket holding the same
 * objects has the same value. Only buckets of frozen objects are kept. A cache: a miss costs time, never a
 * different result. Each `begin` starts a new generation for the part, so buckets that are gone are dropped.
 */
export function createBucketCache<T>() {
  const parts = new Map<string, Map<string, CachedBucket<T>>>();
  return {
    /** Starts a pass over `part`; returns lookup and store for its buckets, and `end` to keep only those seen. */
    begin(part: string) {
      const previous = parts.get(part) ?? new Map<string, CachedBucket<T>>();
      const next = new Map<string, CachedBucket<T>>();
      return {
        get(key: string, list: readonly unknown[], start: number, end: number): T | undefined {
          const hit = previous.get(key);
          if (!hit || hit.members.length !== end - start) return undefined;
          for (let i = start; i < end; i++) if (hit.members[i - start] !== list[i]) return undefined;
          next.set(key, hit);
          return hit.value;
        },
        set(key: string, members: readonly unknown[], value: T): void {
          if (members.every((m) => m === null || typeof m !== "object" || Object.isFrozen(m))) {
            next.set(key, { members, value });
          }
        },
        end(): void {
          parts.set(part, next);
        },
      };
    },
  };
}
