import { hash } from "node:crypto";
import { AppError } from "@switchyard/errors";
import { requestHeader } from "@switchyard/telemetry";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { ANTHROPIC_PATH } from "../http/client-error.ts";
import type { RuntimeSource } from "../runtime/types.ts";

/** Options for {@link authenticate}. */
export interface AuthenticateOptions {
  runtime: RuntimeSource;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Paths Anthropic clients call, where their `x-api-key` header is read. */
const X_API_KEY_PATHS: ReadonlySet<string> = new Set([ANTHROPIC_PATH, "/v1/models"]);

/**
 * The key in `x-api-key`, read only on the paths Anthropic clients call (`/v1/messages`, `/v1/models`):
 * Anthropic's API takes the key there, and so do its SDKs' `apiKey` option and curl examples.
 */
function anthropicApiKey(c: Context<AppEnv>): string | undefined {
  if (!X_API_KEY_PATHS.has(c.req.path)) return undefined;
  const key = requestHeader(c, "x-api-key")?.trim();
  return key === undefined || key === "" ? undefined : key;
}

/**
 * Middleware that resolves `Authorization: Bearer <key>` (or, on `/v1/messages`, `x-api-key: <key>`) to the
 * caller's grant. Keys are known only by their
 * SHA-256, so the lookup hashes the presented key and checks the compiled map; the key itself is never
 * stored or logged. Before the first snapshot there are no keys to check against, so the answer is 503.
 */
export function authenticate(opts: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    const runtime = opts.runtime.current();
    if (!runtime) throw new AppError("not_ready", "The gateway has not received its configuration yet.");
    const key = BEARER.exec(requestHeader(c, "authorization") ?? "")?.[1] ?? anthropicApiKey(c);
    if (key === undefined) {
      throw new AppError(
        "invalid_api_key",
        c.req.path === ANTHROPIC_PATH
          ? "You didn't provide an API key. Provide it in the x-api-key header, or in the Authorization header as 'Bearer <key>'."
          : "You didn't provide an API key. Provide it in the Authorization header as 'Bearer <key>'.",
      );
    }
    // One-shot hashing: no Hash object per request.
    const grant = runtime.keys.get(hash("sha256", key, "hex"));
    if (!grant) throw new AppError("invalid_api_key", "Incorrect API key provided.");
    c.set("grant", grant);
    await next();
  };
}
