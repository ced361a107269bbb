import { createHash, type Hash } from "node:crypto";
import { type ConfigSnapshot, omittedFromCanonical } from "@switchyard/policy";
import { runSteps } from "./run-sliced.ts";

/** Text is handed to the hash in pieces of about this size instead of as one string of tens of megabytes. */
const FLUSH_CHARS = 1 << 16;

/**
 * The canonical text of entities, computed once per entity object: by part, an entity's id maps to the frozen
 * object last hashed under it and its text. Snapshots are immutable and a delta (on either plane) keeps the
 * objects of unchanged entities, so after a one-key change only that key is serialised again; the rest of the
 * version's cost is native hashing of the cached text. A plain map by id rather than a WeakMap by object:
 * V8's garbage collector handles hundreds of thousands of WeakMap entries slowly. Only frozen objects are
 * cached (a mutable one could change after its text was taken).
 */
const entityTexts = new Map<string, Map<string, { entity: object; text: string }>>();

/** Each object shape's sorted key list, worked out once instead of sorting the keys of every entity. */
const sortedKeys = new Map<string, string[]>();

function keysOf(record: Record<string, unknown>): string[] {
  const own = Object.keys(record);
  const shape = own.join("\u0000");
  let keys = sortedKeys.get(shape);
  if (!keys) {
    keys = [...own].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    sortedKeys.set(shape, keys);
  }
  return keys;
}

/** Canonical text of any value: JSON with object keys sorted and new fields at their defaults left out. */
function textOf(value: unknown): string {
  if (value === null || typeof value !== "object") {
    return typeof value === "bigint" ? JSON.stringify(value.toString()) : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(textOf).join(",")}]`;
  const record = value as Record<string, unknown>;
  // Joined rather than appended: `+=` leaves a tree of string pieces, which costs the garbage collector dearly
  // when 300,000 texts are kept; join gives one flat string.
  const fields: string[] = [];
  for (const k of keysOf(record)) {
    const v = record[k];
    if (!omittedFromCanonical(k, v)) fields.push(`${JSON.stringify(k)}:${textOf(v)}`);
  }
  return ["{", fields.join(","), "}"].join("");
}

/** The cached canonical text of an entity of `part`, computing and caching it when the object is new. */
function entityText(cache: Map<string, { entity: object; text: string }>, value: unknown): string {
  const id = value !== null && typeof value === "object" ? (value as { id?: unknown }).id : undefined;
  if (typeof id !== "string") return textOf(value);
  const hit = cache.get(id);
  if (hit !== undefined && hit.entity === value) return hit.text;
  const text = textOf(value);
  if (Object.isFrozen(value)) cache.set(id, { entity: value as object, text });
  return text;
}

/** Entities written between two chances to yield to the event loop. */
const YIELD_EVERY = 4_096;

/** Writes a list (a snapshot's part) element by element, flushing to the hash in pieces. */
function* writeList(hash: Hash, part: string, list: readonly unknown[], buf: string): Generator<void, string> {
  let cache = entityTexts.get(part);
  if (!cache) {
    cache = new Map();
    entityTexts.set(part, cache);
  }
  let out = `${buf}[`;
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += ",";
    out += entityText(cache, list[i]);
    if (out.length > FLUSH_CHARS) {
      hash.update(out);
      out = "";
    }
    if (i % YIELD_EVERY === YIELD_EVERY - 1) yield;
  }
  // Ids removed from the configuration would stay cached forever; start again from this list when they pile up.
  if (cache.size > list.length * 2 + 1_000) {
    const kept = new Map<string, { entity: object; text: string }>();
    for (const e of list) {
      const id = (e as { id?: unknown } | null)?.id;
      const hit = typeof id === "string" ? cache.get(id) : undefined;
      if (hit !== undefined && hit.entity === e) kept.set(id as string, hit);
    }
    entityTexts.set(part, kept);
  }
  return `${out}]`;
}

/**
 * The lowercase hex SHA-256 of `canonicalJson(config)` (policy's canonical form), computed without building
 * the whole text: the top level is written key by key and each part (an entity list) entity by entity, from
 * the cached text of every entity seen before. The output must stay byte for byte what canonicalJson produces
 * (new fields at their defaults left out, as there); codec.test.ts checks that on varied snapshots.
 */
export function canonicalSha256(config: ConfigSnapshot): string {
  return runSteps(canonicalSha256Steps(config));
}

/** {@link canonicalSha256} as a generator that yields every few thousand entities (see runSliced). */
export function* canonicalSha256Steps(config: ConfigSnapshot): Generator<void, string> {
  const hash = createHash("sha256");
  const record = config as unknown as Record<string, unknown>;
  let buf = "{";
  let first = true;
  for (const k of keysOf(record)) {
    const v = record[k];
    if (omittedFromCanonical(k, v)) continue;
    buf += first ? `${JSON.stringify(k)}:` : `,${JSON.stringify(k)}:`;
    first = false;
    buf = Array.isArray(v) ? yield* writeList(hash, k, v, buf) : buf + textOf(v);
  }
  hash.update(`${buf}}`);
  return hash.digest("hex");
}
