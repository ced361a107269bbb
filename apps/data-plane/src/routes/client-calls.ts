import { AppError } from "@switchyard/errors";
import type { BufferedResponse, ClientCall, ClientFormat, Operation, TokenUsage } from "@switchyard/providers";
import type { Lease, Limiter } from "@switchyard/ratelimit";
import { type Logger, requestHeader } from "@switchyard/telemetry";
import type { UsageRecorder } from "@switchyard/usage/producer";
import { type Context, Hono } from "hono";
import { alreadySent } from "../http/already-sent.ts";
import { type AppEnv, nodeBindings } from "../http/app-env.ts";
import { parseClientBody } from "../http/parse-client-body.ts";
import { readBodyCapped } from "../http/read-body.ts";
import { admissionError, admissionHeaders, unpricedError } from "../limits/admission-answer.ts";
import { type CallOutcome, finishCall } from "../limits/call-accounting.ts";
import { estimateDemand, NO_TOKENS } from "../limits/demand.ts";
import type { Planner } from "../limits/limit-index.ts";
import { streamMeter } from "../limits/stream-meter.ts";
import type { LimitMetrics } from "../metrics/limit-metrics.ts";
import { outcomeOf, type UpstreamMetrics } from "../metrics/upstream-metrics.ts";
import { forwardHttp, type StreamMeter } from "../proxy/forward-http.ts";
import { usageFromTail } from "../proxy/tail-usage.ts";
import type { CompiledRoute, RuntimeSource } from "../runtime/types.ts";

/** What the client API routes need. */
export interface ClientCallOptions {
  runtime: RuntimeSource;
  limiter: Limiter;
  /** This node's id, written into usage records. */
  nodeId: string;
  metrics: UpstreamMetrics;
  limitMetrics?: LimitMetrics;
  /** Output tokens reserved for a call that sets no `max_tokens` (token and cost limits only). */
  defaultOutputTokens: number;
  logger: Logger;
  maxRequestBodyBytes: number;
  /** Largest upstream body collected whole (an error, a translated non-streamed answer); streams are never collected. */
  maxBufferedBytes: number;
  now: () => number;
  /** Receives one usage record per served request; `record` never awaits or throws. */
  usage: UsageRecorder;
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The endpoints, each with the API shape its clients speak and what they ask for. */
const ENDPOINTS: readonly (readonly [path: string, format: ClientFormat, operation: Operation])[] = [
  ["/v1/chat/completions", "openai", "chat"],
  ["/v1/embeddings", "openai", "embeddings"],
  ["/v1/messages", "anthropic", "chat"],
];

function unknownModel(model: string): AppError {
  return new AppError("model_not_found", `The model '${model}' does not exist or you do not have access to it.`, {
    details: { param: "model" },
  });
}

/**
 * The current route for an alias. Read again right before dispatch: the limiter call is asynchronous and a
 * snapshot swap in between may have retired the pool the earlier lookup saw.
 */
function routeFor(runtime: RuntimeSource, model: string): CompiledRoute {
  const route = runtime.current()?.routes.get(model);
  if (!route) throw unknownModel(model);
  return route;
}

/** An answer the adapter rendered whole (a refusal before any upstream call, or a local provider's error). */
function sendBuffered(c: Context<AppEnv>, r: BufferedResponse, own: Readonly<Record<string, string>>): Response {
  return c.body(r.body as Uint8Array<ArrayBuffer>, r.status as 400, { ...r.headers, ...own });
}

/** Status given to the client for an error thrown before or instead of an answer. */
function statusOfError(e: unknown): number {
  return e instanceof AppError ? e.status : 500;
}

/**
 * One client call: read the body under a cap, resolve the alias and the limits that apply to this caller on
 * this route (compiled once per snapshot), one limiter call that checks and reserves all of them, then hand
 * the call to the route's adapter. A local provider answers at once; an HTTP provider's adapter prepares the
 * upstream request (or refuses it: a malformed body, an operation the provider lacks, a parameter a strict
 * route refuses) and the proxy writes the translated answer straight to the client. When the call ends, its
 * reservation is settled to the usage it reported and a usage record is queued for the next usage append.
 */
function callHandler(opts: ClientCallOptions, format: ClientFormat, operation: Operation) {
  const planner: Planner = (rules) => opts.limiter.plan(rules);
  return async function handleCall(c: Context<AppEnv>): Promise<Response> {
    const startedAt = opts.now();
    const node = nodeBindings(c.env);
    const bytes = await readBodyCapped(
      { incoming: node?.incoming, web: () => c.req.raw.body, contentLength: requestHeader(c, "content-length") },
      opts.maxRequestBodyBytes,
    );
    const body = parseClientBody(bytes);
    const runtime = opts.runtime.current();
    const first = runtime?.routes.get(body.model);
    if (!runtime || !first) throw unknownModel(body.model);
    const grant = c.get("grant");
    const limits = runtime.limits.forCall(grant, first, planner);
    const streamed = body.stream === true;
    const requestId = c.get("requestId");

    let reserved = NO_TOKENS;
    let lease: Lease | null = null;
    let limitHeaders: Record<string, string> = NO_HEADERS;
    let outcome: CallOutcome = { status: 0, usage: null, events: 0, streamed };
    let route: CompiledRoute = first;
    try {
      if (limits.refusedBy !== null) throw unpricedError(body.model);
      if (limits.plan !== null) {
        if (limits.metered) reserved = estimateDemand(body, operation, limits.price, opts.defaultOutputTokens);
        const admission = await opts.limiter.acquire(limits.plan, reserved);
        lease = admission.lease;
        limitHeaders = admissionHeaders(admission);
        opts.limitMetrics?.admission(admission);
        if (!admission.allowed) throw admissionError(admission, limitHeaders);
      }
      route = routeFor(opts.runtime, body.model);
      const meter =
        limits.cutoff && streamed && lease !== null
          ? streamMeter(opts.limiter, lease, reserved, limits.price, format)
          : undefined;
      const answered = await answer(c, opts, format, operation, body, route, limitHeaders, node, meter);
      outcome = { ...answered, streamed };
      return answered.response;
    } catch (e) {
      outcome = { status: statusOfError(e), usage: null, events: 0, streamed };
      throw e;
    } finally {
      finishCall(opts.limiter, opts.usage, {
        requestId,
        nodeId: opts.nodeId,
        caller: grant,
        route,
        price: limits.price,
        reserved,
        lease,
        outcome,
        startedAt,
        now: opts.now(),
      });
    }
  };
}

/** What answering produced: the Hono response and what accounting needs. */
interface Answered {
  readonly response: Response;
  readonly status: number;
  readonly usage: TokenUsage | null;
  readonly events: number;
}

async function answer(
  c: Context<AppEnv>,
  opts: ClientCallOptions,
  format: ClientFormat,
  operation: Operation,
  body: Readonly<Record<string, unknown>> & { model: string },
  route: CompiledRoute,
  limitHeaders: Readonly<Record<string, string>>,
  node: ReturnType<typeof nodeBindings>,
  meter: StreamMeter | undefined,
): Promise<Answered> {
  const call: ClientCall =
    format === "anthropic"
      ? {
          format,
          operation,
          body,
          strict: route.strict,
          headers: {
            "anthropic-version": requestHeader(c, "anthropic-version"),
            "anthropic-beta": requestHeader(c, "anthropic-beta"),
          },
        }
      : { format, operation, body, strict: route.strict };

  if (route.upstream.transport === "local") {
    const answered = route.upstream.adapter.answer(call, route.target, { nowMs: opts.now() });
    if (!answered.ok) {
      const r = answered.error;
      return { response: sendBuffered(c, r, limitHeaders), status: r.status, usage: null, events: 0 };
    }
    const res = answered.value;
    opts.metrics.record(route.providerKind, outcomeOf(res.status));
    const out = res.chunks.length === 1 ? res.chunks[0]! : Buffer.concat(res.chunks);
    return {
      response: c.body(out as Uint8Array<ArrayBuffer>, res.status as 200, { ...res.headers, ...limitHeaders }),
      status: res.status,
      usage: usageFromTail(res.chunks),
      events: res.chunks.length,
    };
  }
  const prepared = route.upstream.adapter.prepare(call, route.target);
  if (!prepared.ok) {
    const r = prepared.error;
    return { response: sendBuffered(c, r, limitHeaders), status: r.status, usage: null, events: 0 };
  }
  if (!node) throw new Error("proxying needs the Node bindings of @hono/node-server");
  const result = await forwardHttp({
    outgoing: node.outgoing,
    upstream: route.upstream,
    providerKind: route.providerKind,
    prepared: prepared.value,
    ownHeaders: { ...limitHeaders, "x-request-id": c.get("requestId") },
    maxBufferedBytes: opts.maxBufferedBytes,
    metrics: opts.metrics,
    // Fields for the rare failure lines, passed as they are: a child logger per request would cost more
    // than the whole access log line.
    log: opts.logger,
    logFields: { requestId: c.get("requestId"), model: route.alias },
    ...(meter ? { meter } : {}),
  });
  if (result.kind === "failed") throw new AppError(result.code, result.message, { headers: limitHeaders });
  // 499 is nginx's "client closed request": nothing was sent, and metrics should not call it a success.
  if (result.kind === "client_gone") return { response: alreadySent(499), status: 499, usage: null, events: 0 };
  return { response: alreadySent(result.status), status: result.status, usage: result.usage, events: result.events };
}

/**
 * The client API: `POST /v1/chat/completions` and `POST /v1/embeddings` in OpenAI's shape, `POST /v1/messages`
 * in Anthropic's, each served by any route whatever its provider's kind (the adapter translates).
 */
export function clientCallRoutes(opts: ClientCallOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const [path, format, operation] of ENDPOINTS) app.post(path, callHandler(opts, format, operation));
  return app;
}
