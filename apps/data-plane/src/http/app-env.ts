import type { HttpBindings } from "@hono/node-server";
import type { RequestIdVariables } from "@switchyard/telemetry";
import type { KeyGrant } from "../runtime/types.ts";

/**
 * The data plane's Hono environment. Bindings are @hono/node-server's Node request and response; they are
 * absent under `app.request()` in unit tests, so code reads them through {@link nodeBindings}.
 */
export type AppEnv = {
  Bindings: HttpBindings;
  Variables: RequestIdVariables & { grant: KeyGrant };
};

/** The Node request/response pair when served by @hono/node-server, else undefined. */
export function nodeBindings(env: AppEnv["Bindings"] | undefined): HttpBindings | undefined {
  return env?.outgoing !== undefined ? env : undefined;
}
