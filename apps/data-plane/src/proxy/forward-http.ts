import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { ResponseTransformer, UpstreamRequest } from "@switchyard/providers";
import type { Logger } from "@switchyard/telemetry";
import type { Dispatcher } from "undici";
import { outcomeOf, type UpstreamMetrics } from "../metrics/upstream-metrics.ts";
import type { HttpUpstream } from "../runtime/types.ts";
import { responseHeaders } from "./response-headers.ts";

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
  /** Fields identifying the request on the (rare) log lines a forward writes. */
  readonly logFields: Readonly<Record<string, unknown>>;
}

/** undici error codes that mean "no answer in time" rather than "no connection". */
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);
const CLIENT_GONE: ForwardResult = Object.freeze({ kind: "client_gone" });

function errorCode(e: unknown): string {
  return e !== null && typeof e === "object" && typeof (e as { code?: unknown }).code === "string"
    ? (e as { code: string }).code
    : "unknown";
}

/** The reason given to undici when the client went away; it is recognised by identity, never shown. */
const CLIENT_LEFT = new Error("client disconnected");

/**
 * undici's lowest-level handler for one forwarded call: it writes the upstream's status, headers and each
 * body chunk straight into the Node ServerResponse as they arrive (through the adapter's transformer when
 * it translates), pausing the upstream while the client is slow. There is no stream object in between, no
 * web-stream conversion and no buffering; `pool.stream` would add a Writable, an AsyncResource and
 * `finished()` listeners per request for the same effect.
 */
class ForwardHandler implements Dispatcher.DispatchHandler {
  readonly #a: ForwardArgs;
  readonly #resolve: (r: ForwardResult) => void;
  readonly #started = performance.now();
  #controller: Dispatcher.DispatchController | null = null;
  #transformer: ResponseTransformer | null = null;
  #status = 0;
  #clientGone = false;
  #done = false;

  constructor(a: ForwardArgs, resolve: (r: ForwardResult) => void) {
    this.#a = a;
    this.#resolve = resolve;
    a.outgoing.on("close", this.#onClientClose);
  }

  readonly #onClientClose = (): void => {
    if (this.#done || this.#a.outgoing.writableFinished) return;
    this.#clientGone = true;
    this.#controller?.abort(CLIENT_LEFT);
  };

  readonly #onDrain = (): void => this.#controller?.resume();

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#clientGone) controller.abort(CLIENT_LEFT);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    const { upstream, outgoing, providerKind } = this.#a;
    this.#status = statusCode;
    this.#a.metrics.firstByte(providerKind, (performance.now() - this.#started) / 1000);
    const passthrough = upstream.adapter.passthrough;
    try {
      outgoing.writeHead(statusCode, responseHeaders(headers, passthrough, this.#a.ownHeaders));
      if (!passthrough) {
        this.#transformer = upstream.adapter.responseTransformer({ status: statusCode, stream: this.#a.stream });
      }
    } catch (e) {
      controller.abort(e as Error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    let out: Uint8Array | null = chunk;
    if (this.#transformer !== null) {
      try {
        out = this.#transformer.onChunk(chunk);
      } catch (e) {
        controller.abort(e as Error);
        return;
      }
    }
    // node:http corks the socket for the rest of the tick on each write, so chunks undici hands over
    // together (several SSE events read at once, or the last one and the end) already leave in one write.
    if (out === null || out.byteLength === 0 || this.#a.outgoing.write(out)) return;
    controller.pause();
    this.#a.outgoing.once("drain", this.#onDrain);
  }

  onResponseEnd(controller: Dispatcher.DispatchController): void {
    let tail: Uint8Array | null = null;
    try {
      tail = this.#transformer?.onEnd() ?? null;
    } catch (e) {
      this.onResponseError(controller, e as Error);
      return;
    }
    const { outgoing } = this.#a;
    if (tail !== null && tail.byteLength > 0) outgoing.end(tail);
    else outgoing.end();
    this.#a.metrics.record(this.#a.providerKind, outcomeOf(this.#status));
    this.#finish({ kind: "sent", status: this.#status });
  }

  onResponseError(_controller: Dispatcher.DispatchController, e: Error): void {
    if (this.#done) return;
    const { metrics, providerKind, log, logFields, outgoing } = this.#a;
    const status = this.#status;
    if (this.#clientGone || e === CLIENT_LEFT) {
      metrics.record(providerKind, "aborted");
      log.info({ ...logFields, providerKind, status }, "client disconnected; upstream request aborted");
      this.#finish(status === 0 ? CLIENT_GONE : { kind: "sent", status });
      return;
    }
    const code = errorCode(e);
    if (status !== 0) {
      // Headers are out, so the only honest signal left is cutting the client's connection.
      outgoing.destroy();
      metrics.record(providerKind, "error");
      log.warn({ ...logFields, providerKind, status, errorCode: code }, "upstream response broke off midway");
      this.#finish({ kind: "sent", status });
      return;
    }
    if (TIMEOUT_CODES.has(code)) {
      metrics.record(providerKind, "timeout");
      log.warn({ ...logFields, providerKind, errorCode: code }, "upstream did not answer in time");
      const what = code === "UND_ERR_CONNECT_TIMEOUT" ? "accept a connection" : "start responding";
      this.#finish({
        kind: "failed",
        code: "upstream_timeout",
        message: `The upstream provider did not ${what} in time.`,
      });
      return;
    }
    metrics.record(providerKind, "error");
    log.warn({ ...logFields, providerKind, errorCode: code }, "upstream request failed");
    this.#finish({ kind: "failed", code: "upstream_error", message: "The upstream provider could not be reached." });
  }

  #finish(r: ForwardResult): void {
    this.#done = true;
    this.#a.outgoing.off("close", this.#onClientClose);
    this.#a.outgoing.off("drain", this.#onDrain);
    this.#resolve(r);
  }
}

/**
 * Sends a request upstream over the route's keep-alive pool and streams the answer to the Node response as it
 * arrives (see {@link ForwardHandler}). A client that disconnects aborts the upstream request, so an abandoned
 * stream stops costing tokens.
 */
export function forwardHttp(a: ForwardArgs): Promise<ForwardResult> {
  if (a.outgoing.destroyed) return Promise.resolve(CLIENT_GONE);
  return new Promise((resolve) => {
    a.upstream.pool.dispatch(
      {
        path: a.request.path,
        method: "POST",
        headers: a.request.headers,
        body: a.request.body,
        headersTimeout: a.upstream.firstByteTimeoutMs,
      },
      new ForwardHandler(a, resolve),
    );
  });
}
