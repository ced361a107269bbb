import { type ErrorCode, statusOf } from "./catalog.ts";

/**
 * An error meant for a client: its message is written on purpose and safe to show.
 * Anything else thrown is an internal error and is answered with a generic message.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, opts: { details?: unknown; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = statusOf(code);
    this.details = opts.details;
    this.headers = opts.headers;
  }
}
