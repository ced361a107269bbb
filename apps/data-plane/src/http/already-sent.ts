import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { markAlreadySent } from "@switchyard/telemetry";

/**
 * The native Response class. @hono/node-server swaps the global `Response` for a lighter one when it starts
 * serving, and it writes such responses out itself; the marker was created at import time, before that
 * swap, so its constructor is the native class whose responses the server leaves alone.
 */
const NativeResponse = RESPONSE_ALREADY_SENT.constructor as typeof Response;

/** One marker per status, made on first use: statuses are few, and nothing changes these responses. */
const byStatus = new Map<number, Response>();

/**
 * Tells @hono/node-server that the handler already wrote the response to the Node ServerResponse. Unlike the
 * shared `RESPONSE_ALREADY_SENT`, it carries the real status, so metrics and access logs report what the
 * client got. The markers are shared, not made per request: middleware reads their status and never adds
 * headers to a response that carries the already-sent marker (see telemetry's requestId).
 */
export function alreadySent(status: number): Response {
  // The Response constructor refuses statuses outside 200-599; an upstream could still send one.
  const reported = status >= 200 && status <= 599 ? status : 502;
  let res = byStatus.get(reported);
  if (res === undefined) {
    res = markAlreadySent(new NativeResponse(null, { status: reported, headers: RESPONSE_ALREADY_SENT.headers }));
    byStatus.set(reported, res);
  }
  return res;
}
