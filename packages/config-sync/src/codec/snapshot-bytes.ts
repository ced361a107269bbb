import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { err, type Result } from "@switchyard/errors";
import type { SnapshotInput, VersionedSnapshot } from "@switchyard/policy";
import { ConfigPayloadSchema, SnapshotSchema } from "@switchyard/proto";
import type { ApplyError } from "./apply-error.ts";
import { bucketEnd, bucketKey, createBucketCache } from "./id-buckets.ts";
import { snapshotFromProto } from "./snapshot-from-proto.ts";
import { SNAPSHOT_PARTS } from "./snapshot-parts.ts";
import { payloadToProto, snapshotToProto } from "./snapshot-to-proto.ts";

/**
 * A snapshot as bytes, for keeping it outside the stream (the data plane's last-known-good file). The wire
 * form is reused so a stored snapshot goes through exactly the checks a pushed one does when read back.
 */
export function encodeSnapshot(s: VersionedSnapshot): Uint8Array {
  return toBinary(SnapshotSchema, snapshotToProto(s, ""));
}

/**
 * Reads bytes written by {@link encodeSnapshot}: malformed bytes, a schema newer than this build, a version
 * that is not the payload's hash or an inconsistent payload are all errors, never a half-read snapshot.
 */
export function decodeSnapshot(bytes: Uint8Array): Result<VersionedSnapshot, ApplyError> {
  let msg: ReturnType<typeof snapshotToProto>;
  try {
    msg = fromBinary(SnapshotSchema, bytes);
  } catch {
    return err({
      code: "invalid_payload",
      message: "the snapshot bytes are not a valid message",
      entityKind: "snapshot",
    });
  }
  return snapshotFromProto(msg);
}

/** Entities encoded per call when encoding in slices. */
const ENTITIES_PER_CHUNK = 4_096;

/** Each bucket's encoded payload piece from the last encode (see id-buckets.ts). */
const bucketBytes = createBucketCache<Uint8Array>();

/**
 * {@link encodeSnapshot} as a generator of work that yields between chunks of a few thousand entities (run it
 * with runSliced): 100,000 keys take a second or more to encode, too long to hold a data plane's event loop
 * after every change. Protobuf lets a message's repeated fields arrive in several pieces, so the payload is the
 * concatenation of small payloads, one bucket of a part each (id-buckets.ts); the result decodes to the same
 * snapshot. A bucket whose entities are the objects encoded last time reuses its bytes, so after a one-key
 * change the encode costs one bucket and a copy.
 */
export function* encodeSnapshotSteps(s: VersionedSnapshot): Generator<void, Uint8Array> {
  const { prefix, chunks, length } = yield* encodedPieces(s);
  const out = Buffer.allocUnsafe(length);
  out.set(prefix, 0);
  let at = prefix.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The length of what {@link encodeSnapshotSteps} would return, without assembling it (for the size metric of a
 * node that keeps no file: no 32 MB buffer per change for the garbage collector).
 */
export function* encodedSizeSteps(s: VersionedSnapshot): Generator<void, number> {
  return (yield* encodedPieces(s)).length;
}

/** The message's head (up to the payload's bytes) and the payload's pieces, bucket by bucket. */
function* encodedPieces(
  s: VersionedSnapshot,
): Generator<void, { prefix: Uint8Array; chunks: Uint8Array[]; length: number }> {
  const none = Object.fromEntries(SNAPSHOT_PARTS.map(({ part }) => [part, []])) as unknown as SnapshotInput;
  const chunks: Uint8Array[] = [toBinary(ConfigPayloadSchema, payloadToProto(none, s.config.schemaVersion))];
  for (const { part } of SNAPSHOT_PARTS) {
    const list = s.config[part] as readonly unknown[];
    const buckets = bucketBytes.begin(part);
    let encoded = 0;
    for (let start = 0; start < list.length; ) {
      const key = bucketKey(list[start]);
      const end = bucketEnd(list, start, key);
      let bytes = buckets.get(key, list, start, end);
      if (bytes === undefined) {
        const pieces: Uint8Array[] = [];
        for (let i = start; i < end; i += ENTITIES_PER_CHUNK) {
          const slice = { ...none, [part]: list.slice(i, Math.min(end, i + ENTITIES_PER_CHUNK)) };
          // Schema version 0 is proto3's default and not written: it stays the first chunk's.
          pieces.push(toBinary(ConfigPayloadSchema, payloadToProto(slice, 0)));
          if (i + ENTITIES_PER_CHUNK < end) yield;
        }
        bytes = pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces);
        buckets.set(key, list.slice(start, end), bytes);
        encoded += end - start;
      }
      chunks.push(bytes);
      start = end;
      if (encoded >= ENTITIES_PER_CHUNK) {
        encoded = 0;
        yield;
      }
    }
    buckets.end();
  }
  const head = toBinary(SnapshotSchema, create(SnapshotSchema, { version: s.version, generation: s.generation }));
  let payloadLength = 0;
  for (const c of chunks) payloadLength += c.length;
  // The field header by the writer; the caller copies the payload once into place (BinaryWriter would copy it
  // twice more).
  const prefix = new BinaryWriter().raw(head).tag(4, WireType.LengthDelimited).uint32(payloadLength).finish();
  return { prefix, chunks, length: prefix.length + payloadLength };
}
