import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/**
 * Upstream response headers a client may see. Everything else is dropped: hop-by-hop headers, the upstream
 * account's own rate-limit headers (they describe the gateway's provider account and would collide with the
 * gateway's), organisation ids and cookies.
 */
const FORWARDED = ["content-type", "cache-control", "retry-after"] as const;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The headers of the client's response: the forwarded upstream ones, the upstream's request id renamed (the
 * gateway's own id keeps `x-request-id`), and the gateway's headers. `content-length` is kept only when the
 * body passes through unchanged.
 */
export function responseHeaders(
  upstream: IncomingHttpHeaders,
  keepLength: boolean,
  own: Readonly<Record<string, string>>,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of FORWARDED) {
    const v = first(upstream[name]);
    if (v !== undefined) out[name] = v;
  }
  const length = first(upstream["content-length"]);
  if (keepLength && length !== undefined) out["content-length"] = length;
  const upstreamId = first(upstream["x-request-id"]);
  if (upstreamId !== undefined) out["x-upstream-request-id"] = upstreamId;
  // Reverse proxies such as nginx buffer responses unless told not to, which would hold back SSE events.
  if (out["content-type"]?.toString().startsWith("text/event-stream")) out["x-accel-buffering"] = "no";
  Object.assign(out, own);
  return out;
}
