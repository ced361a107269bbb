import type { RequestRule } from "./types.ts";

/**
 * The one place Redis key names for request limits are defined. A rule's counter for one window is
 *
 *   `<prefix>:rl:{<scopeKey>}:<windowMs>:<windowStartMs>`
 *
 * The client sends the part up to `<windowMs>` ({@link ruleKeyBase}) as a declared KEY; the Lua script
 * appends `:<windowStartMs>` ({@link windowKey}) because only the server's clock may pick the window.
 *
 * The `{<scopeKey>}` hash tag puts every key of one scope in one Redis Cluster slot, so a request's keys
 * stay in one slot while all rules are consumer-scoped. Rules spanning several scopes in one request
 * (route, provider, global) would span slots; handling that belongs to the limits issue.
 */
export function ruleKeyBase(prefix: string, rule: Pick<RequestRule, "scopeKey" | "windowMs">): string {
  return `${prefix}:rl:{${rule.scopeKey}}:${rule.windowMs}`;
}

/** The counter key of one window; mirrors the concatenation done inside the Lua script. */
export function windowKey(base: string, windowStartMs: number): string {
  return `${base}:${windowStartMs}`;
}

/** Start of the fixed UTC window containing `nowMs`; the Lua script computes the same from Redis TIME. */
export function windowStart(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / windowMs) * windowMs;
}
