import type { LimitRule, RuleFailurePolicy } from "./engine-types.ts";
import { counterBase } from "./limit-keys.ts";
import { KIND_CODE, WINDOW_CODE } from "./windows.ts";

/** One counter a plan touches; rules with the same scope, kind and window share it. */
export interface PlanCounter {
  /** Key base of a window counter (the window start is appended), or the concurrency sorted set's key. */
  readonly key: string;
  readonly kindCode: number;
  /** 0 for concurrency. */
  readonly windowCode: number;
  /** Limits of the enforced cutoff rules over this counter; checkpoint compares the counter with them. */
  readonly cutoffLimits: readonly number[];
}

/** A validated rule list with its counters deduplicated; the common part of every engine's plan. */
export interface CompiledRules {
  readonly rules: readonly LimitRule[];
  readonly counters: readonly PlanCounter[];
  /** Index into `counters` for each rule. */
  readonly ruleCounter: readonly number[];
}

const POLICIES: readonly RuleFailurePolicy[] = ["fail-open", "fail-closed", "local"];
const METERED = new Set(["input_tokens", "output_tokens", "total_tokens", "cost_usd"]);

const isCount = (n: unknown): boolean => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

/** Throws on a rule the data plane should never have compiled: a broken invariant, not a request error. */
export function assertValidLimitRule(rule: LimitRule): void {
  const bad = (what: string) => new Error(`limit rule ${rule.id}: ${what}`);
  if (typeof rule.id !== "string" || rule.id === "") throw bad("empty id");
  if (!(rule.kind in KIND_CODE)) throw bad(`unknown kind ${rule.kind}`);
  if (rule.kind === "concurrency" ? rule.window !== null : rule.window === null || !(rule.window in WINDOW_CODE)) {
    throw bad(`window ${rule.window} does not fit kind ${rule.kind}`);
  }
  if (!isCount(rule.limit)) throw bad("limit must be a non-negative integer");
  if (!isCount(rule.localLimit)) throw bad("localLimit must be a non-negative integer");
  if (typeof rule.scopeKey !== "string" || rule.scopeKey === "" || /[{}]/.test(rule.scopeKey)) {
    throw bad("scopeKey must be non-empty and free of braces (it is a Redis Cluster hash tag)");
  }
  if (!POLICIES.includes(rule.failurePolicy)) throw bad(`unknown failure policy ${rule.failurePolicy}`);
  if (rule.cutoff && !METERED.has(rule.kind)) throw bad(`cutoff applies to token and cost rules, not ${rule.kind}`);
}

/** Validates the rules and deduplicates their counters, keeping first-seen order. */
export function compileRules(prefix: string, rules: readonly LimitRule[]): CompiledRules {
  const byKey = new Map<string, number>();
  const counters: { key: string; kindCode: number; windowCode: number; cutoffLimits: number[] }[] = [];
  const ruleCounter: number[] = [];
  for (const rule of rules) {
    assertValidLimitRule(rule);
    const key = counterBase(prefix, rule);
    let idx = byKey.get(key);
    if (idx === undefined) {
      idx = counters.length;
      byKey.set(key, idx);
      counters.push({
        key,
        kindCode: KIND_CODE[rule.kind],
        windowCode: rule.window === null ? 0 : WINDOW_CODE[rule.window],
        cutoffLimits: [],
      });
    }
    if (rule.cutoff && !rule.shadow) counters[idx]!.cutoffLimits.push(rule.limit);
    ruleCounter.push(idx);
  }
  return { rules: Object.freeze([...rules]), counters, ruleCounter };
}
