import type { Context } from "hono";
import { routePath } from "hono/route";

/** The route label used when no handler after the middleware matched (a 404 from notFound). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * The route pattern that answered the request, read after `next()`. Hono advances `routeIndex` as it
 * dispatches; if it is still the middleware's own index, nothing downstream matched. Using the pattern,
 * never the raw path, keeps metric labels bounded no matter what URLs clients send.
 */
export function routeLabel(c: Context, ownIndex: number): string {
  return c.req.routeIndex === ownIndex ? UNMATCHED_ROUTE : routePath(c);
}

const CLASSES = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

/** "2xx", "4xx" and so on: the bounded status label (a constant string, not one built per request). */
export function statusClass(status: number): string {
  return CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;
}

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The request method, or "OTHER" for anything unusual, since clients choose the method freely. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : "OTHER";
}
