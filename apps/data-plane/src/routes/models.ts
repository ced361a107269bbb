import { AppError } from "@switchyard/errors";
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import type { RuntimeSource } from "../runtime/types.ts";

/** `GET /v1/models`: the route aliases in OpenAI's list shape, serialised once per snapshot. */
export function modelsRoute(opts: { runtime: RuntimeSource }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/v1/models", (c) => {
    const runtime = opts.runtime.current();
    if (!runtime) throw new AppError("not_ready", "The gateway has not received its configuration yet.");
    return c.body(runtime.modelsBody, 200, { "content-type": "application/json" });
  });
  return app;
}
