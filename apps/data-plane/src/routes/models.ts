import { AppError } from "@switchyard/errors";
import { requestHeader } from "@switchyard/telemetry";
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import type { RuntimeSource } from "../runtime/types.ts";

/**
 * `GET /v1/models`: the route aliases, serialised once per snapshot in OpenAI's list shape, or in Anthropic's
 * for a request carrying `anthropic-version` (every `@anthropic-ai/sdk` request does; the openai SDK never).
 */
export function modelsRoute(opts: { runtime: RuntimeSource }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/v1/models", (c) => {
    const runtime = opts.runtime.current();
    if (!runtime) throw new AppError("not_ready", "The gateway has not received its configuration yet.");
    const body = requestHeader(c, "anthropic-version") === undefined ? runtime.modelsBody : runtime.anthropicModelsBody;
    return c.body(body, 200, { "content-type": "application/json" });
  });
  return app;
}
