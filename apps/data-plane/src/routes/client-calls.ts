import { AppError } from "@switchyard/errors";
import type { BufferedResponse, ClientCall, ClientFormat, Operation } from "@switchyard/providers";
import type { RequestLimiter } from "@switchyard/ratelimit";
import { type Logger, requestHeader } from "@switchyard/telemetry";
import type { UsageRecorder } from "@switchyard/usage/producer";
import { type Context, Hono } from "hono";
import { alreadySent } from "../http/already-sent.ts";
import { type AppEnv, nodeBindings } from "../http/app-env.ts";
import { parseClientBody } from "../http/parse-client-body.ts";
import { rateLimitHeaders, retryAfterSeconds } from "../http/rate-limit-headers.ts";
import { readBodyCapped } from "../http/read-body.ts";
import { outcomeOf, type UpstreamMetrics } from "../metrics/upstream-metrics.ts";
import { forwardHttp } from "../proxy/forward-http.ts";
import type { CompiledRoute, RuntimeSource } from "../runtime/types.ts";

/** What the client API routes need. */
export interface ClientCallOptions {
  runtime: RuntimeSource;
  limiter: RequestLimiter;
  metrics: UpstreamMetrics;
  logger: Logger;
  maxRequestBodyBytes: number;
  /** Largest upstream body collected whole (an error, a translated non-streamed answer); streams are never collected. */
  maxBufferedBytes: number;
  now: () => number;
  /** Receives one usage record per served request; `record` never awaits or throws. */
  usage: UsageRecorder;
}

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

/**
 * One client call: read the body under a cap, resolve the alias, one limiter call with all of the caller's
 * rules, then hand the call to the route's adapter. A local provider answers at once; an HTTP provider's
 * adapter prepares the upstream request (or refuses it: a malformed body, an operation the provider lacks, a
 * parameter a strict route refuses) and the proxy writes the translated answer straight to the client.
 */
function callHandler(opts: ClientCallOptions, format: ClientFormat, operation: Operation) {
  return async function handleCall(c: Context<AppEnv>): Promise<Response> {
    const node = nodeBindings(c.env);
    const bytes = await readBodyCapped(
      { incoming: node?.incoming, web: () => c.req.raw.body, contentLength: requestHeader(c, "content-length") },
      opts.maxRequestBodyBytes,
    );
    const body = parseClientBody(bytes);
    routeFor(opts.runtime, body.model);

    const { rules } = c.get("grant");
    const decision = rules.length > 0 ? await opts.limiter.check(rules) : null;
    const limitHeaders = decision ? rateLimitHeaders(decision) : {};
    if (decision && !decision.allowed) {
      throw new AppError("rate_limit_exceeded", "Rate limit reached for requests. Please try again later.", {
        headers: { ...limitHeaders, "retry-after": retryAfterSeconds(decision) },
      });
    }

    const route = routeFor(opts.runtime, body.model);
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
      if (!answered.ok) return sendBuffered(c, answered.error, limitHeaders);
      const res = answered.value;
      opts.metrics.record(route.providerKind, outcomeOf(res.status));
      const out = res.chunks.length === 1 ? res.chunks[0]! : Buffer.concat(res.chunks);
      return c.body(out as Uint8Array<ArrayBuffer>, res.status as 200, { ...res.headers, ...limitHeaders });
    }
    const prepared = route.upstream.adapter.prepare(call, route.target);
    if (!prepared.ok) return sendBuffered(c, prepared.error, limitHeaders);
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
    });
    if (result.kind === "failed") throw new AppError(result.code, result.message, { headers: limitHeaders });
    // 499 is nginx's "client closed request": nothing was sent, and metrics should not call it a success.
    return alreadySent(result.kind === "sent" ? result.status : 499);
  };
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
