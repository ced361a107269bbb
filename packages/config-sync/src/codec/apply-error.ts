import { create } from "@bufbuild/protobuf";
import { type ApplyError as ApplyErrorMessage, ApplyErrorSchema } from "@switchyard/proto";

/**
 * Why a node could not apply a snapshot. Codes used by this package: `invalid_payload` (missing or malformed
 * fields), `invalid_value` (a value outside the allowed lists or ranges), `unsupported_schema` (a schema version
 * newer than this node knows), `version_mismatch` (the version is not the one computed from the payload),
 * `inconsistent` (the payload fails policy's consistency check); the data plane's apply adds its own.
 */
export type ApplyError = { code: string; message: string; entityKind?: string; entityId?: string };

/** Builds the wire form of an apply error; absent entity fields travel as empty strings. */
export function applyErrorToProto(e: ApplyError): ApplyErrorMessage {
  return create(ApplyErrorSchema, {
    code: e.code,
    message: e.message,
    entityKind: e.entityKind ?? "",
    entityId: e.entityId ?? "",
  });
}

/** Reads an apply error from the wire; a Nack without one still yields a usable value. */
export function applyErrorFromProto(msg: ApplyErrorMessage | undefined): ApplyError {
  if (!msg) return { code: "unknown", message: "the node sent no reason" };
  const e: ApplyError = { code: msg.code || "unknown", message: msg.message };
  if (msg.entityKind) e.entityKind = msg.entityKind;
  if (msg.entityId) e.entityId = msg.entityId;
  return e;
}
