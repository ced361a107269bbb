import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { err, type Result } from "@switchyard/errors";
import type { SnapshotInput, VersionedSnapshot } from "@switchyard/policy";
import { ConfigPayloadSchema, SnapshotSchema } from "@switchyard/proto";
import type { ApplyError } from "./apply-error.ts";
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

/**
 * {@link encodeSnapshot} as a generator of work that yields between chunks of a few thousand entities (run it
 * with runSliced): 100,000 keys take a second or more to encode, too long to hold a data plane's event loop
 * after every change. Protobuf lets a message's repeated fields arrive in several pieces, so the payload is the
 * concatenation of small payloads, one part slice each; the result decodes to the same snapshot.
 */
export function* encodeSnapshotSteps(s: VersionedSnapshot): Generator<void, Uint8Array> {
  const none = Object.fromEntries(SNAPSHOT_PARTS.map(({ part }) => [part, []])) as unknown as SnapshotInput;
  const chunks: Uint8Array[] = [toBinary(ConfigPayloadSchema, payloadToProto(none, s.config.schemaVersion))];
  for (const { part } of SNAPSHOT_PARTS) {
    const list = s.config[part] as readonly unknown[];
    for (let i = 0; i < list.length; i += ENTITIES_PER_CHUNK) {
      const slice = { ...none, [part]: list.slice(i, i + ENTITIES_PER_CHUNK) };
      // Schema version 0 is proto3's default and not written: it stays the first chunk's.
      chunks.push(toBinary(ConfigPayloadSchema, payloadToProto(slice, 0)));
      yield;
    }
  }
  const head = toBinary(SnapshotSchema, create(SnapshotSchema, { version: s.version, generation: s.generation }));
  return new BinaryWriter().raw(head).tag(4, WireType.LengthDelimited).bytes(Buffer.concat(chunks)).finish();
}
