import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { BufferedResponse, ClientResponse } from "@switchyard/providers";

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The headers of a piped answer: the adapter's (content type, cache control; they describe the body in the
 * client's format), the upstream's request id renamed (the gateway's own id keeps `x-request-id`), the
 * upstream's `content-length` only when the body passes through unchanged, and the gateway's headers.
 * Nothing else of the upstream's passes (an allow-list, not a deny-list): hop-by-hop headers, echoed
 * credentials, the upstream account's rate-limit headers (they describe the gateway's provider account and
 * would collide with the gateway's own, so they are dropped rather than renamed), organisation ids and cookies
 * stay behind. header-hygiene.test.ts checks it.
 */
export function responseHeaders(
  upstream: IncomingHttpHeaders,
  answer: Extract<ClientResponse, { mode: "pipe" }>,
  own: Readonly<Record<string, string>>,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...answer.headers };
  if (answer.transformer === null) {
    const length = first(upstream["content-length"]);
    if (length !== undefined) out["content-length"] = length;
  }
  const upstreamId = first(upstream["x-request-id"]) ?? first(upstream["request-id"]);
  if (upstreamId !== undefined) out["x-upstream-request-id"] = upstreamId;
  // Reverse proxies such as nginx buffer responses unless told not to, which would hold back SSE events.
  if (String(out["content-type"] ?? "").startsWith("text/event-stream")) out["x-accel-buffering"] = "no";
  Object.assign(out, own);
  return out;
}

/** The headers of an answer the adapter rendered whole (retry hints included), with the gateway's headers. */
export function bufferedHeaders(answer: BufferedResponse, own: Readonly<Record<string, string>>): OutgoingHttpHeaders {
  return { ...answer.headers, "content-length": String(answer.body.byteLength), ...own };
}
