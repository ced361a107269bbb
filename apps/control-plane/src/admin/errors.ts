import { AppError } from "@switchyard/errors";
import type { Logger } from "@switchyard/telemetry";
import type { Context } from "hono";

/** Database failure kinds as the db package reports them. */
export interface DbFailure {
  kind: "not_found" | "conflict" | "revision_mismatch" | "reference";
  message: string;
  field?: string;
}

/** Maps a repository failure to the admin error catalog. */
export function dbFailure(e: DbFailure): AppError {
  const details = e.field ? { field: e.field } : undefined;
  switch (e.kind) {
    case "not_found":
      return new AppError("not_found", e.message, { details });
    case "conflict":
      return new AppError("conflict", e.message, { details });
    case "revision_mismatch":
      return new AppError("precondition_failed", e.message, { details });
    case "reference":
      // A reference named by the input (a route's providerId) cannot be processed; a reference held by
      // another entity (a provider still used by a route) is a conflict with the current state.
      return e.field
        ? new AppError("unprocessable", e.message, { details: [{ field: e.field, message: e.message }] })
        : new AppError("conflict", e.message, { details });
  }
}

/**
 * The admin API's single error handler: AppErrors become `{"error":{code,message,requestId,details}}` with the
 * catalog's status; anything else is logged and answered with a generic 500 that reveals nothing.
 */
export function adminErrorHandler(logger: Logger) {
  return function onAdminError(e: Error, c: Context): Response {
    const requestId = (c.get("requestId" as never) as string | undefined) ?? "";
    if (e instanceof AppError) {
      return c.json(
        { error: { code: e.code, message: e.message, requestId, ...(e.details ? { details: e.details } : {}) } },
        e.status as 400,
        e.headers,
      );
    }
    logger.error({ requestId, err: { name: e.name, message: e.message } }, "admin request failed");
    return c.json({ error: { code: "internal", message: "internal error", requestId } }, 500);
  };
}
