import type { Context, MiddlewareHandler } from "hono";
import { requestHeader } from "./request-header.ts";

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

/** @hono/node-server's marker on a response the handler already wrote to the Node response itself. */
const ALREADY_SENT = "x-hono-already-sent";

/** Set on responses a handler wrote to the Node socket itself (see {@link markAlreadySent}). */
const SENT_MARK: unique symbol = Symbol("switchyard.alreadySent");

/**
 * Marks a response as already written to the Node socket by its handler, so {@link stampRequestId} leaves it
 * alone without asking its `Headers` (a native `Headers.has` validates and lower-cases the name on every call).
 * For shared marker responses made once, not per request.
 */
export function markAlreadySent<R extends Response>(res: R): R {
  (res as R & { [SENT_MARK]?: true })[SENT_MARK] = true;
  return res;
}

/** The id a request runs under: the caller's own when it is well formed, else a fresh one. */
export function chooseRequestId(incoming: string | undefined, generate: () => string): string {
  return incoming !== undefined && ACCEPTED_ID.test(incoming) ? incoming : generate();
}

/**
 * Puts the id on the response, unless the handler already wrote the response to the Node socket itself (it
 * sent the header then) or the header is there already.
 */
export function stampRequestId(c: Context, header: string, id: string): void {
  const res = c.res as Response & { [SENT_MARK]?: true };
  if (res[SENT_MARK] === true) return;
  const headers = res.headers;
  if (headers.has(ALREADY_SENT) || headers.get(header) === id) return;
  try {
    headers.set(header, id);
  } catch {
    // Responses passed through from fetch() have immutable headers; copy the response to add one.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(header, id);
  }
}

/**
 * Middleware that gives every request an id: the caller's own when it is well formed, else a fresh one.
 * The id is stored as `c.var.requestId` and put on the response header so callers can quote it. A handler
 * that wrote its response straight to the Node socket (the data plane's proxy) sent the header itself;
 * such responses are left alone, which spares the hot path two `Headers` objects per request.
 */
export function requestId(opts: RequestIdOptions = {}): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  const header = (opts.header ?? "x-request-id").toLowerCase();
  const generate = opts.generate ?? (() => crypto.randomUUID());
  return async function requestIdMiddleware(c, next) {
    const id = chooseRequestId(requestHeader(c, header), generate);
    c.set("requestId", id);
    await next();
    stampRequestId(c, header, id);
  };
}
