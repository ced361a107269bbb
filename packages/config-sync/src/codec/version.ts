import type { ConfigSnapshot, VersionedSnapshot } from "@switchyard/policy";
import { canonicalSha256, canonicalSha256Steps } from "./canonical-hash.ts";

/**
 * The version of the stream protocol this build speaks. A server refuses a Hello with another version;
 * bump it only for changes old peers cannot ignore (new fields alone do not need it). Version 2: the snapshot
 * version became a tree of hashes (see canonical-hash.ts); a version-1 peer computes another version for the same
 * content.
 */
export const PROTOCOL_VERSION = 2;

/**
 * The oldest protocol version a control plane of this build still serves. Nodes outside
 * [MIN_PROTOCOL_VERSION, PROTOCOL_VERSION] are refused with FAILED_PRECONDITION and listed as incompatible.
 */
export const MIN_PROTOCOL_VERSION = 2;

/**
 * A snapshot's identity: a lowercase hex SHA-256 over its canonical JSON, part by part and bucket by bucket
 * (see canonicalSha256), so both planes compute the same value from the content alone.
 */
export function versionOf(config: ConfigSnapshot): string {
  return canonicalSha256(config);
}

/** {@link versionOf} as a generator of work that yields now and then (see runSliced). */
export function versionSteps(config: ConfigSnapshot): Generator<void, string> {
  return canonicalSha256Steps(config);
}

/** Pairs a snapshot with its version and its change-log generation; the result is frozen like the snapshot. */
export function versionSnapshot(config: ConfigSnapshot, generation: bigint): VersionedSnapshot {
  return Object.freeze({ version: versionOf(config), generation, config });
}
