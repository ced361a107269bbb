import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { err, type Result } from "@switchyard/errors";
import type { VersionedSnapshot } from "@switchyard/policy";
import { SnapshotSchema } from "@switchyard/proto";
import type { ApplyError } from "./apply-error.ts";
import { snapshotFromProto } from "./snapshot-from-proto.ts";
import { snapshotToProto } from "./snapshot-to-proto.ts";

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
