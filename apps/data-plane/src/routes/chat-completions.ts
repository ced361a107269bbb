import { AppError } from "@switchyard/errors";
import type { RequestLimiter } from "@switchyard/ratelimit";
import { type Logger, requestHeader } from "@switchyard/telemetry";
import { Hono } from "hono";
import { alreadySent } from "../http/already-sent.ts";
import { type AppEnv, nodeBindings } from "../http/app-env.ts";
import { parseChatRequest } from "../http/parse-chat-request.ts";
import { rateLimitHeaders, retryAfterSeconds } from "../http/rate-limit-headers.ts";
import { readBodyCapped } from "../http/read-body.ts";
import { outcomeOf, type UpstreamMetrics } from "../metrics/upstream-metrics.ts";
import { forwardHttp } from "../proxy/forward-http.ts";
import type { CompiledRoute, RuntimeSource } from "../runtime/types.ts";

/** What the chat completions route needs. */
export interface ChatCompletionsOptions {
  runtime: RuntimeSource;
  limiter: RequestLimiter;
  metrics: UpstreamMetrics;
  logger: Logger;
  maxRequestBodyBytes: number;
  now: () => number;
}

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

/**
 * `POST /v1/chat/completions`: read the body under a cap, resolve the alias, one limiter call with all of the
 * caller's rules, then answer from a local provider or proxy to the upstream, streaming or not.
 */
export function chatCompletionsRoute(opts: ChatCompletionsOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/v1/chat/completions", async (c) => {
    const node = nodeBindings(c.env);
    const bytes = await readBodyCapped(
      { incoming: node?.incoming, web: () => c.req.raw.body, contentLength: requestHeader(c, "content-length") },
      opts.maxRequestBodyBytes,
    );
    const body = parseChatRequest(bytes);
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
    if (route.upstream.transport === "local") {
      const res = route.upstream.adapter.respond(body, route.target, { nowMs: opts.now() });
      opts.metrics.record(route.providerKind, outcomeOf(res.status));
      return c.body(Buffer.concat(res.chunks), res.status as 200, { ...res.headers, ...limitHeaders });
    }
    if (!node) throw new Error("proxying needs the Node bindings of @hono/node-server");
    const result = await forwardHttp({
      outgoing: node.outgoing,
      upstream: route.upstream,
      providerKind: route.providerKind,
      request: route.upstream.adapter.toUpstream(body, route.target),
      stream: body.stream === true,
      ownHeaders: { ...limitHeaders, "x-request-id": c.get("requestId") },
      metrics: opts.metrics,
      // Fields for the rare failure lines, passed as they are: a child logger per request would cost more
      // than the whole access log line.
      log: opts.logger,
      logFields: { requestId: c.get("requestId"), model: route.alias },
    });
    if (result.kind === "failed") throw new AppError(result.code, result.message, { headers: limitHeaders });
    // 499 is nginx's "client closed request": nothing was sent, and metrics should not call it a success.
    return alreadySent(result.kind === "sent" ? result.status : 499);
  });
  return app;
}
