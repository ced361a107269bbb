import type { MiddlewareHandler } from "hono";
import type { Logger } from "./logger.ts";
import type { RequestIdVariables } from "./request-id.ts";
import { methodLabel, routeLabel } from "./request-labels.ts";

/** Options for {@link accessLog}. */
export interface AccessLogOptions {
  /** Where the lines go; usually a child of the process logger. */
  logger: Logger;
}

/** One access line: what was asked (method and route pattern, never the URL), the answer and its time. */
export interface AccessLine {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  requestId: string | null;
}

/** Writes an access line; server errors are worth an alert, everything else is routine traffic. */
export function logRequest(logger: Logger, line: AccessLine): void {
  if (line.status >= 500) logger.error(line, "request");
  else logger.info(line, "request");
}

/** Milliseconds rounded to microseconds, as access lines carry them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Middleware that logs one line per request: method, route pattern, status, duration and request id.
 * It deliberately logs the pattern instead of the URL (query strings can carry keys or prompt text)
 * and no headers or bodies at all. Mount it after {@link requestId} so the id is known.
 */
export function accessLog(opts: AccessLogOptions): MiddlewareHandler<{ Variables: Partial<RequestIdVariables> }> {
  const { logger } = opts;
  return async function accessLogMiddleware(c, next) {
    const started = performance.now();
    const ownIndex = c.req.routeIndex;
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      logRequest(logger, {
        method: methodLabel(c.req.method),
        route: routeLabel(c, ownIndex),
        status,
        durationMs: roundMs(performance.now() - started),
        requestId: c.var.requestId ?? null,
      });
    }
  };
}
