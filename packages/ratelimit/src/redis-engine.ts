import { randomBytes } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { buildAdmission, NO_RULES_ADMISSION, V_REJECT, V_UNAVAILABLE, V_UNKNOWN } from "./admission.ts";
import { addInto, normalizeAmounts, type Tally, usageOf } from "./amounts.ts";
import { type BreakerOptions, createBreaker } from "./breaker.ts";
import { ACQUIRE_SEPARATOR, COUNTER_EXPIRY_MARGIN_MS } from "./engine-scripts.ts";
import type { Admission, Amounts, Lease, LimitDecisionEvent, Limiter, LimitPlan, LimitRule } from "./engine-types.ts";
import { counterKey } from "./limit-keys.ts";
import { createMemoryEngine, DEFAULT_LEASE_TTL_MS, leaseRenewIntervalMs } from "./memory-engine.ts";
import { createRedisCalls, type EngineLogger } from "./redis-calls.ts";
import { compileRedisPlan, type RedisPlan, type SlotGroup } from "./redis-plan.ts";

/** Options for {@link createLimiter}. */
export interface LimiterOptions {
  /**
   * The caller's ioredis client (standalone or Cluster), created with `enableOfflineQueue: false` and
   * `maxRetriesPerRequest: 0`; the caller handles its `error` events and closes it.
   */
  client: Redis | Cluster;
  /** First segment of every key; defaults to "sy". */
  keyPrefix?: string;
  /** Longest wait for Redis before the failure policies decide; defaults to 50 ms. */
  commandTimeoutMs?: number;
  /**
   * How long a concurrency slot outlives the last renewal of its lease, i.e. how long the slots of a node
   * that died mid-request stay taken; defaults to 10 minutes. Leases of unsettled calls are renewed every
   * third of it, so a call may run longer.
   */
  leaseTtlMs?: number;
  /** Breaker tuning; defaults: open after 3 consecutive failures, for 250 ms doubling up to 10 s. */
  breaker?: Omit<BreakerOptions, "now">;
  /** Receives one warning when an outage starts and a note when it ends, never one per request. */
  logger?: EngineLogger;
  /** Called for every degraded decision and every shadow rule that would have rejected (metrics). */
  onDecision?: (e: LimitDecisionEvent) => void;
}

/** What one slot group reserved in Redis, from the script's reply. */
interface GroupHold {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** What each counter holds for this request beyond the reservation made at acquire; null until a checkpoint. */
  charged: number[] | null;
}

interface RedisLease extends Lease {
  readonly owner: object;
  readonly plan: RedisPlan;
  readonly id: string;
  readonly demand: Amounts;
  readonly holds: readonly (GroupHold | null)[];
  readonly local: Lease | null;
  readonly produced: Tally;
  settled: boolean;
}

type Reply = number[] | null;

const noop = () => {};

/**
 * The limit engine on Redis. On a standalone Redis an acquire is exactly one script call; on a cluster one
 * call per hash slot the plan touches, in parallel (plus one refund call when some slot rejects). When Redis
 * fails, times out or the breaker is open, each rule's failure policy decides; `local` rules are enforced
 * at their `localLimit` by an in-memory engine with the same windows. See docs/limits.md, "Algorithm".
 */
export function createLimiter(opts: LimiterOptions): Limiter {
  const prefix = opts.keyPrefix ?? "sy";
  const leaseTtlMs = opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const onDecision = opts.onDecision;
  const calls = createRedisCalls(opts.client, {
    commandTimeoutMs: opts.commandTimeoutMs ?? 50,
    newBreaker: () => createBreaker(opts.breaker),
    logger: opts.logger,
  });
  const local = createMemoryEngine({ leaseTtlMs });
  const owner = {};
  // Lease ids must be unique across nodes: they are sorted-set members shared by every node.
  const tag = randomBytes(6).toString("base64url");
  let seq = 0;
  /** Most lease ids renewed by one script call. */
  const MAX_RENEW_BATCH = 1000;
  /** Unsettled leases holding concurrency slots in Redis, renewed by the timer; a lease leaves at settle. */
  const held = new Set<RedisLease>();

  /**
   * Renews every held lease's slots: one script call per slot (a Cluster hash slot; on a standalone Redis
   * all in one call) with all the leases of that slot. A shard whose breaker is open is skipped; a failed
   * call is retried at the next sweep, and two thirds of the TTL remain before the slots expire.
   */
  function renew(): void {
    if (held.size === 0) return;
    const bySlot = new Map<number, Map<string, string[]>>();
    for (const l of held) {
      l.holds.forEach((hold, gi) => {
        const g = l.plan.groups[gi]!;
        if (!hold || g.leaseKeys.length === 0) return;
        let sets = bySlot.get(g.slot);
        if (!sets) {
          sets = new Map();
          bySlot.set(g.slot, sets);
        }
        for (const key of g.leaseKeys) {
          const ids = sets.get(key);
          if (ids) ids.push(l.id);
          else sets.set(key, [l.id]);
        }
      });
    }
    for (const [slot, sets] of bySlot) {
      if (calls.isOpen(slot)) continue;
      // KEYS: the sets; ARGV: TTL, margin, then per set its lease count and ids (see RENEW_SCRIPT). At most
      // MAX_RENEW_BATCH ids per call: a script holds Redis while it runs.
      let keys: string[] = [];
      let argv: (string | number)[] = [];
      let count = 0;
      const send = () => {
        if (keys.length > 0)
          calls.renew([keys.length, ...keys, leaseTtlMs, COUNTER_EXPIRY_MARGIN_MS, ...argv], slot).catch(noop);
        keys = [];
        argv = [];
        count = 0;
      };
      for (const [key, ids] of sets) {
        for (let from = 0; from < ids.length; ) {
          const part = ids.slice(from, from + MAX_RENEW_BATCH - count);
          keys.push(key);
          argv.push(part.length, ...part);
          count += part.length;
          from += part.length;
          if (count >= MAX_RENEW_BATCH) send();
        }
      }
      send();
    }
  }
  const renewTimer = setInterval(renew, leaseRenewIntervalMs(leaseTtlMs));
  renewTimer.unref();

  function planOf(plan: LimitPlan): RedisPlan {
    const p = plan as RedisPlan;
    if (p.owner !== owner) throw new Error("this plan was made by another limiter");
    return p;
  }

  /** The group's acquire arguments for one request, packed into one string (see ACQUIRE_SCRIPT). */
  function packedFor(g: SlotGroup, leaseId: string, d: Amounts): string {
    return `${g.packedHead}${leaseId}${ACQUIRE_SEPARATOR}${d.inputTokens}${ACQUIRE_SEPARATOR}${d.outputTokens}${ACQUIRE_SEPARATOR}${d.costMicroUsd}${g.packedTail}`;
  }

  /** The `local` rules of the failed groups as a memory plan at their local limits; built once per set. */
  function localPlanFor(p: RedisPlan, failed: readonly number[]) {
    const id = failed.join(",");
    let entry = p.localPlans.get(id);
    if (entry !== undefined) return entry;
    const ruleIdx = failed.flatMap((g) => p.groups[g]!.ruleIdx).filter((i) => p.rules[i]!.failurePolicy === "local");
    const rules: LimitRule[] = ruleIdx.map((i) => ({ ...p.rules[i]!, limit: p.rules[i]!.localLimit }));
    entry = ruleIdx.length === 0 ? null : { plan: local.plan(rules), ruleIdx };
    p.localPlans.set(id, entry);
    return entry;
  }

  /** Reverses what admitted groups reserved when another group (or a failure policy) rejected. */
  async function refund(p: RedisPlan, holds: readonly (GroupHold | null)[], leaseId: string, d: Amounts) {
    const sends: Promise<unknown>[] = [];
    holds.forEach((hold, gi) => {
      if (!hold) return;
      const g = p.groups[gi]!;
      const keys: string[] = [];
      const args: (string | number)[] = [];
      g.counters.forEach((c, k) => {
        const amount = c.windowCode === 0 ? 0 : usageOf(c.kindCode, d);
        if (amount === 0) return;
        keys.push(counterKey(c.key, hold.starts[k]!));
        args.push(-amount, hold.ends[k]!);
      });
      sends.push(adjust(g, keys, g.leaseKeys, leaseId, args).catch(noop));
    });
    await Promise.all(sends);
  }

  function adjust(
    g: SlotGroup,
    keys: string[],
    leaseKeys: readonly string[],
    leaseId: string,
    args: (string | number)[],
  ) {
    const n = keys.length;
    return calls.adjust(
      [n + leaseKeys.length, ...keys, ...leaseKeys, leaseId, n, ...args, COUNTER_EXPIRY_MARGIN_MS],
      g.slot,
    );
  }

  /** One group's acquisition, or null when its shard's breaker holds it back or Redis fails. */
  function acquireGroup(g: SlotGroup, leaseId: string, d: Amounts): Promise<Reply> | null {
    if (!calls.mayCall(g.slot)) return null;
    return calls.acquire(g.keys, packedFor(g, leaseId, d), g.slot).catch(() => null);
  }

  function emit(rule: LimitRule, outcome: LimitDecisionEvent["outcome"]): void {
    onDecision?.({ ruleId: rule.id, policy: rule.failurePolicy, outcome });
  }

  async function decide(p: RedisPlan, d: Amounts, leaseId: string, replies: readonly Reply[]): Promise<Admission> {
    const rules = p.rules;
    const used = new Array<number>(rules.length).fill(0);
    const resetMs = new Array<number>(rules.length).fill(0);
    const verdict = new Array<number>(rules.length).fill(V_UNKNOWN);
    const holds: (GroupHold | null)[] = new Array(p.groups.length).fill(null);
    const failed: number[] = [];
    let rejected = false;
    let slotsHeld = false;
    p.groups.forEach((g, gi) => {
      const reply = replies[gi];
      if (!reply) {
        failed.push(gi);
        return;
      }
      const n = g.counters.length;
      const now = reply[1]!;
      g.ruleIdx.forEach((i, j) => {
        const k = g.ruleCounter[j]!;
        const end = reply[2 + 2 * n + k]!;
        used[i] = reply[2 + k]!;
        resetMs[i] = end === 0 ? 0 : end - now;
        verdict[i] = reply[2 + 3 * n + j]!;
      });
      if (reply[0] === 1) {
        holds[gi] = { starts: reply.slice(2 + n, 2 + 2 * n), ends: reply.slice(2 + 2 * n, 2 + 3 * n), charged: null };
        if (g.leaseKeys.length > 0) slotsHeld = true;
      } else rejected = true;
    });

    let localLease: Lease | null = null;
    // Rules decided locally report their local limit in the headers.
    let reported = rules;
    if (failed.length > 0) {
      for (const gi of failed) {
        for (const i of p.groups[gi]!.ruleIdx) {
          const rule = rules[i]!;
          if (rule.failurePolicy === "fail-closed" && !rule.shadow) {
            verdict[i] = V_UNAVAILABLE;
            rejected = true;
            emit(rule, "rejected");
          } else if (rule.failurePolicy !== "local") emit(rule, "allowed");
        }
      }
      const lp = rejected ? null : localPlanFor(p, failed);
      if (lp) {
        const raw = local.acquireRaw(lp.plan, d);
        const copy = [...rules];
        lp.ruleIdx.forEach((i, j) => {
          copy[i] = lp.plan.rules[j]!;
          used[i] = raw.used[j]!;
          resetMs[i] = raw.resetMs[j]!;
          verdict[i] = raw.verdict[j]!;
          emit(rules[i]!, raw.verdict[j] === V_REJECT ? "rejected" : "allowed");
        });
        reported = copy;
        localLease = raw.lease;
        if (!localLease) rejected = true;
      }
    }

    let lease: RedisLease | null = null;
    if (rejected) {
      if (holds.some((h) => h !== null)) await refund(p, holds, leaseId, d);
    } else {
      const produced = { inputTokens: 0, outputTokens: 0, costMicroUsd: 0 };
      lease = {
        kind: "lease",
        owner,
        plan: p,
        id: leaseId,
        demand: d,
        holds,
        local: localLease,
        produced,
        settled: false,
      };
      if (slotsHeld) held.add(lease);
    }
    const admission = buildAdmission(reported, used, resetMs, verdict, failed.length > 0, lease);
    if (onDecision)
      for (const id of admission.shadowBlocked) onDecision({ ruleId: id, policy: "shadow", outcome: "would_reject" });
    return admission;
  }

  async function acquire(plan: LimitPlan, demand: Amounts): Promise<Admission> {
    const p = planOf(plan);
    if (p.rules.length === 0) return NO_RULES_ADMISSION;
    const d = normalizeAmounts(demand);
    const waiting = calls.firstConnection();
    if (waiting) await waiting;
    const leaseId = `${tag}.${(++seq).toString(36)}`;
    const groups = p.groups;
    let replies: Reply[];
    if (groups.length === 1) replies = [await acquireGroup(groups[0]!, leaseId, d)];
    else replies = await Promise.all(groups.map((g) => acquireGroup(g, leaseId, d)));
    return decide(p, d, leaseId, replies);
  }

  function leaseOf(lease: Lease): RedisLease {
    const l = lease as RedisLease;
    if (l.owner !== owner) throw new Error("this lease was made by another limiter");
    return l;
  }

  function chargedOf(l: RedisLease, hold: GroupHold, g: SlotGroup, k: number): number {
    return hold.charged?.[k] ?? usageOf(g.counters[k]!.kindCode, l.demand);
  }

  async function checkpoint(lease: Lease, producedSinceLast: Amounts): Promise<boolean> {
    const l = leaseOf(lease);
    if (l.settled) return false;
    addInto(l.produced, producedSinceLast);
    const localPart = l.local ? local.checkpoint(l.local, producedSinceLast) : null;
    const pending: { gi: number; counters: number[]; deltas: number[]; keys: string[]; args: number[] }[] = [];
    l.holds.forEach((hold, gi) => {
      if (!hold) return;
      const g = l.plan.groups[gi]!;
      let entry: (typeof pending)[number] | null = null;
      g.counters.forEach((c, k) => {
        if (c.cutoffLimits.length === 0) return;
        const soFar = usageOf(c.kindCode, l.produced);
        const charged = chargedOf(l, hold, g, k);
        if (soFar <= charged) return;
        if (!entry) {
          entry = { gi, counters: [], deltas: [], keys: [], args: [] };
          pending.push(entry);
        }
        // Counted as charged before the reply, so an overlapping checkpoint or a settle never adds it twice.
        hold.charged ??= g.counters.map((cc) => usageOf(cc.kindCode, l.demand));
        hold.charged[k] = soFar;
        entry.counters.push(k);
        entry.deltas.push(soFar - charged);
        entry.keys.push(counterKey(c.key, hold.starts[k]!));
        entry.args.push(soFar - charged, hold.ends[k]!);
      });
    });
    let exhausted = false;
    if (pending.length > 0) {
      const replies = await Promise.all(
        pending.map((e) => {
          const g = l.plan.groups[e.gi]!;
          return calls.isOpen(g.slot) ? null : adjust(g, e.keys, [], l.id, e.args).catch(() => null);
        }),
      );
      pending.forEach((e, x) => {
        const hold = l.holds[e.gi]!;
        const g = l.plan.groups[e.gi]!;
        const reply = replies[x];
        e.counters.forEach((k, y) => {
          const c = g.counters[k]!;
          if (!reply) {
            // Not charged after all: settle adds it. Usage beyond the reservation could not be checked, so
            // fail-closed cutoff rules end the stream.
            hold.charged![k]! -= e.deltas[y]!;
            for (const rule of c.cutoffRules) emit(rule, rule.failurePolicy === "fail-closed" ? "rejected" : "allowed");
            if (c.cutoffClosed) exhausted = true;
            return;
          }
          const value = reply[y]!;
          if (value >= 0 && c.cutoffLimits.some((limit) => value >= limit)) exhausted = true;
        });
      });
    }
    return (localPart ? await localPart : false) || exhausted;
  }

  function settle(lease: Lease, actual: Amounts): void {
    try {
      const l = leaseOf(lease);
      if (l.settled) return;
      l.settled = true;
      held.delete(l);
      if (l.local) local.settle(l.local, actual);
      // While a shard's breaker is open it is not touched: token counters keep their reservation until the
      // window ends and concurrency slots until their lease expires.
      const a = normalizeAmounts(actual);
      l.holds.forEach((hold, gi) => {
        if (!hold) return;
        const g = l.plan.groups[gi]!;
        if (calls.isOpen(g.slot)) return;
        const keys: string[] = [];
        const args: number[] = [];
        g.counters.forEach((c, k) => {
          if (!c.metered) return;
          const delta = usageOf(c.kindCode, a) - chargedOf(l, hold, g, k);
          if (delta === 0) return;
          keys.push(counterKey(c.key, hold.starts[k]!));
          args.push(delta, hold.ends[k]!);
        });
        if (keys.length > 0 || g.leaseKeys.length > 0) adjust(g, keys, g.leaseKeys, l.id, args).catch(noop);
      });
    } catch {
      // settle never throws: a foreign lease is a caller bug that must not fail a finished response.
    }
  }

  return {
    plan: (rules) => compileRedisPlan(owner, prefix, rules, calls.cluster, leaseTtlMs),
    acquire,
    checkpoint,
    settle,
    async close() {
      clearInterval(renewTimer);
      held.clear();
      calls.close();
      await local.close();
    },
  };
}
