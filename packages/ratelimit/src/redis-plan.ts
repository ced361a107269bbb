import { isMetered } from "./amounts.ts";
import { type CompiledRules, compileRules, type PlanCounter } from "./compile-rules.ts";
import { ACQUIRE_SEPARATOR, COUNTER_EXPIRY_MARGIN_MS } from "./engine-scripts.ts";
import type { LimitPlan, LimitRule } from "./engine-types.ts";
import { keySlot } from "./key-slot.ts";

/** A counter of one slot group, with what settle and checkpoint need about it. */
export interface GroupCounter extends PlanCounter {
  /** Tokens or cost: adjusted by settle and checkpoint. */
  readonly metered: boolean;
  /** Some enforced fail-closed cutoff rule counts on it: a checkpoint that cannot reach Redis cuts the stream. */
  readonly cutoffClosed: boolean;
  /** The enforced cutoff rules counting on it, for degraded-decision events. */
  readonly cutoffRules: readonly LimitRule[];
}

/** The rules whose keys share one Redis Cluster slot (all rules, on a standalone Redis): one script call. */
export interface SlotGroup {
  readonly counters: readonly GroupCounter[];
  /** Plan-wide index of each rule in this group. */
  readonly ruleIdx: readonly number[];
  /** Index into `counters` of each rule in this group. */
  readonly ruleCounter: readonly number[];
  /** The counters' key bases, the acquire script's KEYS for this group. */
  readonly keys: readonly string[];
  /**
   * The acquire script's arguments before the per-request part (lease TTL, expiry margin), joined by
   * {@link ACQUIRE_SEPARATOR} and ending with one: compiled once, so a request adds only its own part.
   */
  readonly packedHead: string;
  /** The arguments after it (per counter kind and window code, per rule counter index, limit, shadow), starting with the separator. */
  readonly packedTail: string;
  /** Keys of the group's concurrency sorted sets, released by settle. */
  readonly leaseKeys: readonly string[];
  /** The Cluster hash slot of the group's keys (on a standalone Redis, whatever the grouping used). */
  readonly slot: number;
}

/** The Redis engine's compiled plan. */
export interface RedisPlan extends LimitPlan {
  readonly owner: object;
  readonly compiled: CompiledRules;
  readonly groups: readonly SlotGroup[];
  /** The slot group of each rule. */
  readonly ruleGroup: readonly number[];
  /** Local (memory) plans by the set of failed groups, built on first use: `local` rules of those groups. */
  readonly localPlans: Map<string, { plan: LimitPlan; ruleIdx: readonly number[] } | null>;
}

/**
 * Compiles rules into slot groups. On a standalone Redis everything is one group (one script call, keys of
 * any slot allowed); on a cluster, counters are grouped by their hash slot, one script call per group.
 */
export function compileRedisPlan(
  owner: object,
  prefix: string,
  rules: readonly LimitRule[],
  cluster: boolean,
  leaseTtlMs: number,
): RedisPlan {
  const compiled = compileRules(prefix, rules);
  const slotOf = (k: number) => (cluster ? keySlot(compiled.counters[k]!.key) : 0);
  const bySlot = new Map<number, { counters: number[]; rules: number[] }>();
  compiled.counters.forEach((_, k) => {
    const slot = slotOf(k);
    let g = bySlot.get(slot);
    if (!g) {
      g = { counters: [], rules: [] };
      bySlot.set(slot, g);
    }
    g.counters.push(k);
  });
  const ruleGroup: number[] = [];
  const slots = [...bySlot.keys()];
  rules.forEach((_, i) => {
    const slot = slotOf(compiled.ruleCounter[i]!);
    ruleGroup.push(slots.indexOf(slot));
    bySlot.get(slot)!.rules.push(i);
  });
  const groups: SlotGroup[] = [...bySlot.entries()].map(([slot, { counters, rules: ruleIdx }]) => {
    const local = new Map(counters.map((k, j) => [k, j]));
    const gc: GroupCounter[] = counters.map((k) => {
      const c = compiled.counters[k]!;
      const cutoffRules = rules.filter((r, i) => compiled.ruleCounter[i] === k && r.cutoff && !r.shadow);
      const cutoffClosed = cutoffRules.some((r) => r.failurePolicy === "fail-closed");
      return { ...c, metered: isMetered(c.kindCode), cutoffClosed, cutoffRules };
    });
    const tail: (string | number)[] = [];
    for (const c of gc) tail.push(c.kindCode, c.windowCode);
    for (const i of ruleIdx) {
      const r = rules[i]!;
      tail.push(local.get(compiled.ruleCounter[i]!)! + 1, r.limit, r.shadow ? "1" : "0");
    }
    return {
      counters: gc,
      ruleIdx,
      ruleCounter: ruleIdx.map((i) => local.get(compiled.ruleCounter[i]!)!),
      keys: Object.freeze(gc.map((c) => c.key)),
      packedHead: `${leaseTtlMs}${ACQUIRE_SEPARATOR}${COUNTER_EXPIRY_MARGIN_MS}${ACQUIRE_SEPARATOR}`,
      packedTail: tail.map((a) => `${ACQUIRE_SEPARATOR}${a}`).join(""),
      leaseKeys: gc.filter((c) => c.windowCode === 0).map((c) => c.key),
      slot,
    };
  });
  return { rules: compiled.rules, owner, compiled, groups, ruleGroup, localPlans: new Map() };
}
