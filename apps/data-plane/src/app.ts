import { AppError } from "@switchyard/errors";
import type { Limiter } from "@switchyard/ratelimit";
import { healthRoutes, type Logger, type ReadinessCheck, requestTelemetry } from "@switchyard/telemetry";
import { NOOP_USAGE_PRODUCER, type UsageRecorder } from "@switchyard/usage/producer";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Registry } from "prom-client";
import type { AppEnv } from "./http/app-env.ts";
import { clientError, formatOfPath } from "./http/client-error.ts";
import { openAIError } from "./http/openai-error.ts";
import type { LimitMetrics } from "./metrics/limit-metrics.ts";
import { createUpstreamMetrics } from "./metrics/upstream-metrics.ts";
import { authenticate } from "./middleware/authenticate.ts";
import { clientCallRoutes } from "./routes/client-calls.ts";
import { modelsRoute } from "./routes/models.ts";
import type { RuntimeSource } from "./runtime/types.ts";

/** Everything the data plane's HTTP app is built from; main.ts builds these once, tests inject their own. */
export interface DataPlaneDeps {
  /** Where the compiled snapshot is read from (a RuntimeHolder in production). */
  runtime: RuntimeSource;
  /** Checks and reserves limits before each call and settles them after (Redis, or memory for local use). */
  limiter: Limiter;
  /** This node's id in usage records; defaults to "data-plane". */
  nodeId?: string;
  /** Limit metrics, built by main.ts on the registry (they also count the limiter's own decisions). */
  limitMetrics?: LimitMetrics;
  /** Output tokens reserved for a call without `max_tokens` when token or cost limits apply; defaults to 1024. */
  defaultOutputTokens?: number;
  logger: Logger;
  /** The process registry; HTTP and upstream metrics are registered on it. */
  registry: Registry;
  /** Largest accepted request body; defaults to 4 MiB. */
  maxRequestBodyBytes?: number;
  /** Readiness behind `/readyz`; defaults to "a snapshot has been applied". */
  ready?: ReadinessCheck;
  /** Clock for locally generated answers; defaults to `Date.now`. */
  now?: () => number;
  /** Where each served request's usage record goes (the Redis stream producer); defaults to dropping them. */
  usage?: UsageRecorder;
}

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_OUTPUT_TOKENS = 1024;

/**
 * Largest upstream body collected whole: error bodies and non-streamed answers the adapter translates (a
 * Gemini embedding list in base64 for a large batch is the biggest). Streams are never collected.
 */
const MAX_BUFFERED_UPSTREAM_BYTES = 64 * 1024 * 1024;

/** What an unexpected failure is answered with; nothing about the failure itself reaches the client. */
const INTERNAL = new AppError("internal", "The server had an error while processing your request.");

/**
 * Builds the data plane's Hono app: health routes, then request id, access log and metrics around the
 * OpenAI- and Anthropic-compatible API, with one error handler that answers in the shape of the endpoint's
 * clients (Anthropic's on `/v1/messages`, OpenAI's elsewhere).
 */
export function createDataPlaneApp(deps: DataPlaneDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const ready = deps.ready ?? (() => deps.runtime.current() !== null);
  app.route("/", healthRoutes(ready));

  // Request id, access log and HTTP metrics in one middleware: one async frame per request instead of three.
  app.use("/v1/*", requestTelemetry({ logger: deps.logger, registry: deps.registry, subsystem: "dataplane" }));
  app.use("/v1/*", authenticate({ runtime: deps.runtime }));
  app.route(
    "/",
    clientCallRoutes({
      runtime: deps.runtime,
      limiter: deps.limiter,
      nodeId: deps.nodeId ?? "data-plane",
      ...(deps.limitMetrics ? { limitMetrics: deps.limitMetrics } : {}),
      defaultOutputTokens: deps.defaultOutputTokens ?? DEFAULT_OUTPUT_TOKENS,
      metrics: createUpstreamMetrics(deps.registry),
      logger: deps.logger,
      maxRequestBodyBytes: deps.maxRequestBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      maxBufferedBytes: MAX_BUFFERED_UPSTREAM_BYTES,
      now: deps.now ?? Date.now,
      usage: deps.usage ?? NOOP_USAGE_PRODUCER,
    }),
  );
  app.route("/", modelsRoute({ runtime: deps.runtime }));

  app.notFound((c) => {
    const e = openAIError("not_found", `Unknown request URL: ${c.req.method} ${c.req.path}.`);
    return c.json(e.body, e.status as ContentfulStatusCode);
  });
  app.onError((e, c) => {
    const format = formatOfPath(c.req.path);
    if (!(e instanceof AppError)) {
      // No stack and a shortened message: enough to find the bug, too little to carry a request's content.
      deps.logger.error(
        { requestId: c.get("requestId"), err: e.name, reason: e.message.slice(0, 200) },
        "unhandled error",
      );
    }
    const known = e instanceof AppError ? e : INTERNAL;
    const param = (known.details as { param?: string } | undefined)?.param ?? null;
    const out = clientError(format, known, param);
    return c.body(out.body, out.status as ContentfulStatusCode, { ...out.headers, "content-type": "application/json" });
  });
  return app;
}
