import { createHash } from "node:crypto";
import { type ConfigSnapshot, omittedFromCanonical } from "@switchyard/policy";
import { bucketEnd, bucketKey, createBucketCache } from "./id-buckets.ts";
import { runSteps } from "./run-sliced.ts";

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
  const fields: string[] = [];
  for (const k of keysOf(record)) {
    const v = record[k];
    if (!omittedFromCanonical(k, v)) fields.push(`${JSON.stringify(k)}:${textOf(v)}`);
  }
  return ["{", fields.join(","), "}"].join("");
}

const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * The last digest of each part (a part a merge left alone is the same frozen list, so it costs nothing) and of
 * each bucket (a changed part rehashes only the buckets whose entities changed).
 */
const partDigests = new Map<string, { list: readonly unknown[]; digest: string }>();
const bucketDigests = createBucketCache<string>();

/** Entities serialised between two chances to yield to the event loop. */
const YIELD_EVERY = 4_096;

/** The hex SHA-256 of the canonical JSON array of `list[start..end)`, yielding every few thousand entities. */
function* bucketDigest(list: readonly unknown[], start: number, end: number): Generator<void, string> {
  const hash = createHash("sha256");
  for (let i = start; i < end; i += YIELD_EVERY) {
    const chunk = list.slice(i, Math.min(end, i + YIELD_EVERY)).map(textOf);
    hash.update(`${i === start ? "[" : ","}${chunk.join(",")}`);
    if (i + YIELD_EVERY < end) yield;
  }
  hash.update(start === end ? "[]" : "]");
  return hash.digest("hex");
}

/**
 * The digest of one part (an entity list sorted by id): the entities are grouped into buckets by the first two
 * characters of their id (id-buckets.ts), each bucket's digest is the hex SHA-256 of the canonical JSON array of
 * its entities, and the part's digest is the hex SHA-256 of the canonical JSON array of the bucket digests, in
 * order (an empty part: SHA-256 of "[]").
 */
function* partDigest(part: string, list: readonly unknown[]): Generator<void, string> {
  const cached = partDigests.get(part);
  if (cached && cached.list === list) return cached.digest;
  const buckets = bucketDigests.begin(part);
  const digests: string[] = [];
  let hashed = 0;
  for (let start = 0; start < list.length; ) {
    const key = bucketKey(list[start]);
    const end = bucketEnd(list, start, key);
    let digest = buckets.get(key, list, start, end);
    if (digest === undefined) {
      digest = yield* bucketDigest(list, start, end);
      buckets.set(key, list.slice(start, end), digest);
      hashed += end - start;
    }
    digests.push(digest);
    start = end;
    if (hashed >= YIELD_EVERY) {
      hashed = 0;
      yield;
    }
  }
  buckets.end();
  const digest = sha256Hex(textOf(digests));
  if (Object.isFrozen(list)) partDigests.set(part, { list, digest });
  else partDigests.delete(part);
  return digest;
}

/**
 * A snapshot's version: the lowercase hex SHA-256 of the canonical JSON of the snapshot in which every entity
 * list (part) is replaced by its digest (see partDigest): a tree of hashes over policy's canonical form (object
 * keys sorted, entities in id order, new fields at their defaults left out). Any peer can compute it from the
 * content alone; this implementation keeps each part's and each bucket's digest, so after a one-entity change
 * it hashes one bucket (a few hundred entities at 100,000 keys) instead of the whole configuration. codec.test.ts
 * checks it against a plain implementation of the definition.
 */
export function canonicalSha256(config: ConfigSnapshot): string {
  return runSteps(canonicalSha256Steps(config));
}

/** {@link canonicalSha256} as a generator that yields every few thousand entities (see runSliced). */
export function* canonicalSha256Steps(config: ConfigSnapshot): Generator<void, string> {
  const record = config as unknown as Record<string, unknown>;
  const fields: string[] = [];
  for (const k of keysOf(record)) {
    const v = record[k];
    if (omittedFromCanonical(k, v)) continue;
    const text = Array.isArray(v) ? JSON.stringify(yield* partDigest(k, v)) : textOf(v);
    fields.push(`${JSON.stringify(k)}:${text}`);
  }
  return sha256Hex(`{${fields.join(",")}}`);
}
