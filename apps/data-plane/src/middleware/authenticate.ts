import { hash } from "node:crypto";
import { AppError } from "@switchyard/errors";
import { requestHeader } from "@switchyard/telemetry";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import type { RuntimeSource } from "../runtime/types.ts";

/** Options for {@link authenticate}. */
export interface AuthenticateOptions {
  runtime: RuntimeSource;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Middleware that resolves `Authorization: Bearer <key>` to the caller's grant. Keys are known only by their
 * SHA-256, so the lookup hashes the presented key and checks the compiled map; the key itself is never
 * stored or logged. Before the first snapshot there are no keys to check against, so the answer is 503.
 */
export function authenticate(opts: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    const runtime = opts.runtime.current();
    if (!runtime) throw new AppError("not_ready", "The gateway has not received its configuration yet.");
    const m = BEARER.exec(requestHeader(c, "authorization") ?? "");
    if (!m) {
      throw new AppError(
        "invalid_api_key",
        "You didn't provide an API key. Provide it in the Authorization header as 'Bearer <key>'.",
      );
    }
    // One-shot hashing: no Hash object per request.
    const grant = runtime.keys.get(hash("sha256", m[1]!, "hex"));
    if (!grant) throw new AppError("invalid_api_key", "Incorrect API key provided.");
    c.set("grant", grant);
    await next();
  };
}
