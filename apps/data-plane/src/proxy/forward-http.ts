import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { BufferedResponse, PreparedCall, ResponseTransformer } from "@switchyard/providers";
import type { Logger } from "@switchyard/telemetry";
import type { Dispatcher } from "undici";
import { outcomeOf, type UpstreamMetrics } from "../metrics/upstream-metrics.ts";
import type { HttpUpstream } from "../runtime/types.ts";
import { UpstreamConnectError } from "../upstream/connect-error.ts";
import {
  BROKEN,
  CLIENT_GONE,
  CREDENTIALS_REJECTED,
  type ForwardResult,
  INTERNAL_REFUSED,
  TOO_LARGE,
  UNREACHABLE,
} from "./forward-result.ts";
import { bufferedHeaders, responseHeaders } from "./response-headers.ts";
import { dataEvents, TAIL_BYTES, usageFromTail } from "./tail-usage.ts";

export type { ForwardResult } from "./forward-result.ts";

/** One call to forward. */
export interface ForwardArgs {
  readonly outgoing: ServerResponse;
  readonly upstream: HttpUpstream;
  readonly providerKind: string;
  /** The adapter's translated request and its response side. */
  readonly prepared: PreparedCall;
  /** Headers the gateway adds to the response (request id, rate limits). */
  readonly ownHeaders: Readonly<Record<string, string>>;
  /** Largest upstream body collected for a `buffer` answer (errors, translated non-streamed answers). */
  readonly maxBufferedBytes: number;
  readonly metrics: UpstreamMetrics;
  readonly log: Logger;
  /** Fields identifying the request on the (rare) log lines a forward writes. */
  readonly logFields: Readonly<Record<string, unknown>>;
  /** Stream metering for limits that cut a stream off when exhausted; absent when none applies. */
  readonly meter?: StreamMeter;
}

/**
 * Charges a stream's output as it flows, for limits with stream cut-off: every `everyEvents` events written
 * (about one output token each), `charge` adds them to the limits (one Redis round trip) and answers whether a
 * cut-off limit is exhausted; if so the stream ends with `cutEvent`, the error event the client's SDK raises.
 * At most one charge is in flight; events written meanwhile are charged by the next one or by the settle.
 */
export interface StreamMeter {
  readonly everyEvents: number;
  charge(events: number): Promise<boolean>;
  readonly cutEvent: Uint8Array;
}

/** undici error codes that mean "no answer in time" rather than "no connection". */
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);
function errorCode(e: unknown): string {
  return e !== null && typeof e === "object" && typeof (e as { code?: unknown }).code === "string"
    ? (e as { code: string }).code
    : "unknown";
}

/** Reasons given to undici when the gateway stops an upstream call itself; recognised by identity, never shown. */
const CLIENT_LEFT = new Error("client disconnected");
const STOPPED = new Error("upstream answer no longer needed");

/** What the handler does with the upstream's body: nothing yet, write it through, or collect it. */
type Mode = "none" | "pipe" | "buffer";

/**
 * undici's lowest-level handler for one forwarded call. On the upstream's status and headers it asks the
 * adapter how to answer (`respond`): `pipe` writes the head at once, then each body chunk straight into the
 * Node ServerResponse as it arrives (through the adapter's transformer when it translates), pausing the
 * upstream while the client is slow; `buffer` collects the (small, non-streamed) body under a cap and writes
 * what the adapter makes of it. There is no stream object in between, no web-stream conversion, and a stream
 * is never buffered.
 */
class ForwardHandler implements Dispatcher.DispatchHandler {
  readonly #a: ForwardArgs;
  readonly #resolve: (r: ForwardResult) => void;
  readonly #started = performance.now();
  #controller: Dispatcher.DispatchController | null = null;
  #mode: Mode = "none";
  #transformer: ResponseTransformer | null = null;
  #finishBuffer: ((body: Uint8Array) => BufferedResponse) | null = null;
  /** The collected body of a `buffer` answer; made only in that mode, so a piped stream allocates nothing here. */
  #chunks: Buffer[] | null = null;
  #size = 0;
  #status = 0;
  /** The last chunks of an untranslated answer, kept (not copied) to read its usage at the end. */
  #tail: Buffer[] | null = null;
  #tailSize = 0;
  /** Server-sent events written to the client. */
  #events = 0;
  /** Events already charged by the stream meter, and whether a charge is in flight. */
  #charged = 0;
  #charging = false;
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
    const { outgoing, providerKind, metrics } = this.#a;
    this.#status = statusCode;
    metrics.firstByte(providerKind, (performance.now() - this.#started) / 1000);
    if (statusCode === 401 || statusCode === 403) {
      metrics.record(providerKind, outcomeOf(statusCode));
      this.#a.log.warn(
        { ...this.#a.logFields, providerKind, status: statusCode },
        "upstream provider rejected the gateway's credentials",
      );
      this.#finish(CREDENTIALS_REJECTED);
      controller.abort(STOPPED);
      return;
    }
    try {
      const r = this.#a.prepared.respond({ status: statusCode, headers });
      if (r.mode === "buffer") {
        this.#mode = "buffer";
        this.#finishBuffer = r.finish;
        this.#chunks = [];
        return;
      }
      this.#mode = "pipe";
      this.#transformer = r.transformer;
      if (r.transformer === null) this.#tail = [];
      outgoing.writeHead(r.status, responseHeaders(headers, r, this.#a.ownHeaders));
    } catch (e) {
      controller.abort(e as Error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#mode === "buffer") {
      this.#size += chunk.length;
      if (this.#size > this.#a.maxBufferedBytes) {
        this.#a.metrics.record(this.#a.providerKind, "error");
        this.#a.log.warn({ ...this.#a.logFields, providerKind: this.#a.providerKind }, "upstream answer too large");
        this.#finish(TOO_LARGE);
        controller.abort(STOPPED);
        return;
      }
      this.#chunks!.push(chunk);
      return;
    }
    let out: Uint8Array | null = chunk;
    if (this.#transformer !== null) {
      try {
        out = this.#transformer.onChunk(chunk);
      } catch (e) {
        // A transformer that failed is in no state to write an ending; the connection is cut instead.
        this.#transformer = null;
        controller.abort(e as Error);
        return;
      }
      if (out !== null) {
        this.#events += dataEvents(out);
        const meter = this.#a.meter;
        if (meter !== undefined && !this.#charging && this.#events - this.#charged >= meter.everyEvents) {
          this.#charge(meter, controller);
        }
      }
    } else if (this.#tail !== null) {
      this.#keepTail(chunk);
    }
    // node:http corks the socket for the rest of the tick on each write, so chunks undici hands over
    // together (several SSE events read at once, or the last one and the end) already leave in one write.
    if (out === null || out.byteLength === 0 || this.#a.outgoing.write(out)) return;
    controller.pause();
    this.#a.outgoing.once("drain", this.#onDrain);
  }

  onResponseEnd(controller: Dispatcher.DispatchController): void {
    if (this.#done) return;
    const { outgoing } = this.#a;
    if (this.#mode === "buffer") {
      let r: BufferedResponse;
      try {
        const chunks = this.#chunks!;
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size);
        r = this.#finishBuffer!(body);
      } catch (e) {
        this.onResponseError(controller, e as Error);
        return;
      }
      this.#chunks = null;
      outgoing.writeHead(r.status, bufferedHeaders(r, this.#a.ownHeaders));
      outgoing.end(r.body);
      this.#a.metrics.record(this.#a.providerKind, outcomeOf(this.#status));
      this.#finish({ kind: "sent", status: r.status, usage: this.#a.prepared.usage(), events: 0 });
      return;
    }
    let tail: Uint8Array | null = null;
    try {
      tail = this.#transformer?.onEnd() ?? null;
    } catch (e) {
      this.onResponseError(controller, e as Error);
      return;
    }
    if (tail !== null && tail.byteLength > 0) outgoing.end(tail);
    else outgoing.end();
    this.#a.metrics.record(this.#a.providerKind, outcomeOf(this.#status));
    this.#finish(this.#sent());
  }

  /** Charges the events written since the last charge; cuts the stream off when a limit is exhausted. */
  #charge(meter: StreamMeter, controller: Dispatcher.DispatchController): void {
    const events = this.#events - this.#charged;
    this.#charged = this.#events;
    this.#charging = true;
    meter.charge(events).then(
      (exhausted) => {
        this.#charging = false;
        if (!exhausted || this.#done) return;
        const { outgoing, metrics, providerKind, log, logFields } = this.#a;
        metrics.record(providerKind, "cut_off");
        log.info({ ...logFields, providerKind, events: this.#events }, "stream cut off: its limit is exhausted");
        this.#finish(this.#sent());
        outgoing.end(meter.cutEvent);
        controller.abort(STOPPED);
      },
      () => {
        // The limiter decides by failure policy and never rejects; a failure here only skips this charge.
        this.#charging = false;
      },
    );
  }

  /** Keeps references to the chunks that may hold the answer's final usage object. */
  #keepTail(chunk: Buffer): void {
    const tail = this.#tail!;
    tail.push(chunk);
    this.#tailSize += chunk.length;
    while (tail.length > 1 && this.#tailSize - tail[0]!.length >= TAIL_BYTES) this.#tailSize -= tail.shift()!.length;
  }

  /** The "sent" result, with the usage the answer reported (read from its tail when it passed untranslated). */
  #sent(): ForwardResult {
    let usage = this.#a.prepared.usage();
    if (usage === null && this.#tail !== null && this.#tail.length > 0) usage = usageFromTail(this.#tail);
    this.#tail = null;
    return { kind: "sent", status: this.#status, usage, events: this.#events };
  }

  onResponseError(_controller: Dispatcher.DispatchController, e: Error): void {
    if (this.#done) return;
    const { metrics, providerKind, log, logFields } = this.#a;
    const status = this.#status;
    if (this.#clientGone || e === CLIENT_LEFT) {
      metrics.record(providerKind, "aborted");
      log.info({ ...logFields, providerKind, status }, "client disconnected; upstream request aborted");
      this.#finish(status === 0 || this.#mode !== "pipe" ? CLIENT_GONE : this.#sent());
      return;
    }
    const code = errorCode(e);
    if (this.#mode === "pipe") {
      metrics.record(providerKind, "error");
      log.warn({ ...logFields, providerKind, status, errorCode: code }, "upstream response broke off midway");
      this.#endBroken();
      this.#finish(this.#sent());
      return;
    }
    if (this.#mode === "buffer") {
      metrics.record(providerKind, "error");
      log.warn({ ...logFields, providerKind, status, errorCode: code }, "upstream response broke off midway");
      this.#finish(BROKEN);
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
    // Connect errors name hosts, addresses and the proxy's answer, never credentials or request content.
    const reason = e instanceof UpstreamConnectError ? e.message : undefined;
    if (code === "SY_INTERNAL_ADDRESS_REFUSED") {
      log.warn(
        { ...logFields, providerKind, errorCode: code, reason },
        "refused to connect upstream: internal address",
      );
      this.#finish(INTERNAL_REFUSED);
      return;
    }
    log.warn({ ...logFields, providerKind, errorCode: code, reason }, "upstream request failed");
    this.#finish(UNREACHABLE);
  }

  /**
   * Headers are out and the upstream broke off. A translating transformer knows the stream is incomplete and
   * its `onEnd` writes the error event the client's SDK raises; a body passed through untouched has no such
   * event, so cutting the connection is the only honest signal left.
   */
  #endBroken(): void {
    const { outgoing } = this.#a;
    let tail: Uint8Array | null = null;
    try {
      tail = this.#transformer?.onEnd() ?? null;
    } catch {
      tail = null;
    }
    if (tail === null || tail.byteLength === 0) {
      outgoing.destroy();
      return;
    }
    outgoing.end(tail);
  }

  #finish(r: ForwardResult): void {
    this.#done = true;
    this.#a.outgoing.off("close", this.#onClientClose);
    this.#a.outgoing.off("drain", this.#onDrain);
    this.#resolve(r);
  }
}

/**
 * Sends a prepared call upstream over the route's keep-alive pool and writes the answer to the Node response
 * as it arrives (see {@link ForwardHandler}). A client that disconnects aborts the upstream request, so an
 * abandoned stream stops costing tokens.
 */
export function forwardHttp(a: ForwardArgs): Promise<ForwardResult> {
  if (a.outgoing.destroyed) return Promise.resolve(CLIENT_GONE);
  const { request } = a.prepared;
  return new Promise((resolve) => {
    a.upstream.pool.dispatch(
      {
        path: request.path,
        method: "POST",
        headers: request.headers,
        body: request.body,
        headersTimeout: a.upstream.firstByteTimeoutMs,
      },
      new ForwardHandler(a, resolve),
    );
  });
}
