import type { MiddlewareHandler } from "hono";

/** Hono variables set by {@link requestId}; declare them on an app as `new Hono<{ Variables: RequestIdVariables }>()`. */
export type RequestIdVariables = { requestId: string };

/** Options for {@link requestId}. */
export interface RequestIdOptions {
  /** Header read from the request and echoed on the response; defaults to "x-request-id". */
  header?: string;
  /** Makes a new id when the request has none (or an unusable one); defaults to `crypto.randomUUID()`. */
  generate?: () => string;
}

/**
 * Incoming ids are accepted only in this shape: they end up in logs and response headers, so anything
 * longer or with other characters (spaces, quotes, control characters) is replaced rather than trusted.
 */
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Middleware that gives every request an id: the caller's own when it is well formed, else a fresh one.
 * The id is stored as `c.var.requestId` and echoed in the response header so callers can quote it.
 */
export function requestId(opts: RequestIdOptions = {}): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  const header = opts.header ?? "x-request-id";
  const generate = opts.generate ?? (() => crypto.randomUUID());
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header(header);
    const id = incoming !== undefined && ACCEPTED_ID.test(incoming) ? incoming : generate();
    c.set("requestId", id);
    c.header(header, id);
    await next();
    // A handler that returns its own Response skips the context headers; put the id on what goes out.
    if (c.res.headers.get(header) === id) return;
    try {
      c.res.headers.set(header, id);
    } catch {
      // Responses passed through from fetch() have immutable headers; copy the response to add one.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(header, id);
    }
  };
}
