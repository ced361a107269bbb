import type { ServerResponse } from "node:http";
import type { UpstreamRequest } from "@switchyard/providers";
import type { Logger } from "@switchyard/telemetry";
import { outcomeOf, type UpstreamMetrics } from "../metrics/upstream-metrics.ts";
import type { HttpUpstream } from "../runtime/types.ts";
import { responseHeaders } from "./response-headers.ts";
import { transformingWriter } from "./transforming-writer.ts";

/** How a forwarded call ended, from the client's point of view. */
export type ForwardResult =
  /** Response headers went to the client with this status; the body followed (or was cut if it broke). */
  | { readonly kind: "sent"; readonly status: number }
  /** Nothing was sent yet; the caller answers with this error. */
  | { readonly kind: "failed"; readonly code: "upstream_error" | "upstream_timeout"; readonly message: string }
  /** The client left before the upstream answered; there is no one to answer. */
  | { readonly kind: "client_gone" };

/** One call to forward. */
export interface ForwardArgs {
  readonly outgoing: ServerResponse;
  readonly upstream: HttpUpstream;
  readonly providerKind: string;
  readonly request: UpstreamRequest;
  /** Whether the client asked for a stream; transformers need it. */
  readonly stream: boolean;
  /** Headers the gateway adds to the response (request id, rate limits). */
  readonly ownHeaders: Readonly<Record<string, string>>;
  readonly metrics: UpstreamMetrics;
  readonly log: Logger;
}

/** undici error codes that mean "no answer in time" rather than "no connection". */
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

function errorCode(e: unknown): string {
  return e !== null && typeof e === "object" && typeof (e as { code?: unknown }).code === "string"
    ? (e as { code: string }).code
    : "unknown";
}

/**
 * Sends a request upstream over the route's keep-alive pool and streams the answer to the Node response as it
 * arrives: undici writes each chunk straight into the ServerResponse (or through the adapter's transformer),
 * with backpressure, and no web-stream conversion or buffering in between. A client that disconnects aborts
 * the upstream request, so an abandoned stream stops costing tokens.
 */
export async function forwardHttp(a: ForwardArgs): Promise<ForwardResult> {
  const { outgoing, upstream, providerKind, metrics } = a;
  if (outgoing.destroyed) return { kind: "client_gone" };
  const abort = new AbortController();
  const onClientClose = () => {
    if (!outgoing.writableFinished) abort.abort();
  };
  outgoing.once("close", onClientClose);
  const started = performance.now();
  let status = 0;
  try {
    await upstream.pool.stream(
      {
        path: a.request.path,
        method: "POST",
        headers: a.request.headers,
        body: a.request.body,
        signal: abort.signal,
        headersTimeout: upstream.firstByteTimeoutMs,
      },
      ({ statusCode, headers }) => {
        status = statusCode;
        metrics.firstByte(providerKind, (performance.now() - started) / 1000);
        const passthrough = upstream.adapter.passthrough;
        outgoing.writeHead(statusCode, responseHeaders(headers, passthrough, a.ownHeaders));
        if (passthrough) return outgoing;
        return transformingWriter(
          outgoing,
          upstream.adapter.responseTransformer({ status: statusCode, stream: a.stream }),
        );
      },
    );
    metrics.record(providerKind, outcomeOf(status));
    return { kind: "sent", status };
  } catch (e) {
    if (abort.signal.aborted) {
      metrics.record(providerKind, "aborted");
      a.log.info({ providerKind, status }, "client disconnected; upstream request aborted");
      return status === 0 ? { kind: "client_gone" } : { kind: "sent", status };
    }
    const code = errorCode(e);
    if (status !== 0) {
      // Headers are out, so the only honest signal left is cutting the connection, which undici has done.
      metrics.record(providerKind, "error");
      a.log.warn({ providerKind, status, errorCode: code }, "upstream response broke off midway");
      return { kind: "sent", status };
    }
    if (TIMEOUT_CODES.has(code)) {
      metrics.record(providerKind, "timeout");
      a.log.warn({ providerKind, errorCode: code }, "upstream did not answer in time");
      const what = code === "UND_ERR_CONNECT_TIMEOUT" ? "accept a connection" : "start responding";
      return { kind: "failed", code: "upstream_timeout", message: `The upstream provider did not ${what} in time.` };
    }
    metrics.record(providerKind, "error");
    a.log.warn({ providerKind, errorCode: code }, "upstream request failed");
    return { kind: "failed", code: "upstream_error", message: "The upstream provider could not be reached." };
  } finally {
    outgoing.off("close", onClientClose);
  }
}
