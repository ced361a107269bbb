import type { LimitRule } from "./engine-types.ts";

/**
 * The one place the limit engine's Redis key names are defined.
 *
 *   counter of one window:  `<prefix>:lim:{<scopeKey>}:<kind>:<window>:<windowStartMs>`
 *   concurrency leases:     `<prefix>:lim:{<scopeKey>}:concurrency`   (a sorted set: lease id -> expiry ms)
 *
 * The client sends a counter's key up to `<window>` ({@link counterBase}); the Lua script appends the window
 * start because only the server's clock may pick the window. `{<scopeKey>}` is a Redis Cluster hash tag: every
 * key of one scope lives in one slot, so a plan needs one script per distinct slot at most.
 */
export function counterBase(prefix: string, rule: Pick<LimitRule, "scopeKey" | "kind" | "window">): string {
  if (rule.kind === "concurrency") return `${prefix}:lim:{${rule.scopeKey}}:concurrency`;
  return `${prefix}:lim:{${rule.scopeKey}}:${rule.kind}:${rule.window}`;
}

/** The key of one window's counter; mirrors the concatenation done inside the Lua script. */
export function counterKey(base: string, windowStartMs: number): string {
  return `${base}:${windowStartMs}`;
}
