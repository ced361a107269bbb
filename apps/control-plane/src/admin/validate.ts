import { AppError } from "@switchyard/errors";
import type { Context } from "hono";
import type { z } from "zod";

const MAX_ADMIN_BODY_BYTES = 1024 * 1024;

/** Turns zod issues into `details` entries that name each field. */
export function issueDetails(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((i) => ({ field: i.path.join(".") || "(body)", message: i.message }));
}

/**
 * Reads the JSON body and validates it. Malformed JSON, a wrong content type and schema failures are
 * 400s whose details name the offending fields.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new AppError("bad_request", "content-type must be application/json");
  }
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_ADMIN_BODY_BYTES) throw new AppError("payload_too_large", "body is too large");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = issueDetails(parsed.error);
    throw new AppError("validation_failed", `invalid ${details.map((d) => d.field).join(", ")}`, { details });
  }
  return parsed.data;
}

/** Validates a path or query value set with a schema; failures are 400s naming the parameter. */
export function parseParams<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = issueDetails(parsed.error);
    throw new AppError("validation_failed", `invalid ${details.map((d) => d.field).join(", ")}`, { details });
  }
  return parsed.data;
}
