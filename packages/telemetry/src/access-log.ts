import type { MiddlewareHandler } from "hono";
import type { Logger } from "./logger.ts";
import type { RequestIdVariables } from "./request-id.ts";
import { methodLabel, routeLabel } from "./request-labels.ts";

/** Options for {@link accessLog}. */
export interface AccessLogOptions {
  /** Where the lines go; usually a child of the process logger. */
  logger: Logger;
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
      const line = {
        method: methodLabel(c.req.method),
        route: routeLabel(c, ownIndex),
        status,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        requestId: c.var.requestId ?? null,
      };
      // Server errors are worth an alert; everything else is routine traffic.
      if (status >= 500) logger.error(line, "request");
      else logger.info(line, "request");
    }
  };
}
