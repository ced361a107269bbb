import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@switchyard/errors";
import type { Context, Next } from "hono";

/** Options for {@link adminAuth}. */
export interface AdminAuthOptions {
  /** Accepted admin tokens; several allow rotation with an overlap. */
  tokens: readonly string[];
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Requires `Authorization: Bearer <ADMIN_TOKEN>`. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither the content nor the length leaks through timing.
 */
export function adminAuth(opts: AdminAuthOptions) {
  const expected = opts.tokens.map(digest);
  return async function adminAuthMiddleware(c: Context, next: Next): Promise<void> {
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const presented = digest(m?.[1] ?? "");
    let okToken = false;
    for (const e of expected) okToken = timingSafeEqual(e, presented) || okToken;
    if (!m || !okToken) {
      throw new AppError("unauthorized", "missing or invalid admin token", {
        headers: { "www-authenticate": 'Bearer realm="switchyard-admin"' },
      });
    }
    await next();
  };
}
