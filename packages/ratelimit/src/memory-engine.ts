import { buildAdmission, NO_RULES_ADMISSION, V_OK, V_REJECT, V_SHADOW_REJECT } from "./admission.ts";
import { addInto, isMetered, normalizeAmounts, type Tally, usageOf } from "./amounts.ts";
import { type CompiledRules, compileRules } from "./compile-rules.ts";
import type { Amounts, Lease, Limiter, LimitPlan, LimitRule } from "./engine-types.ts";
import { counterKey } from "./limit-keys.ts";
import { windowBounds } from "./windows.ts";

/** Options for {@link createMemoryEngine}. */
export interface MemoryEngineOptions {
  /** Clock in epoch milliseconds; tests inject one. Defaults to `Date.now`. */
  now?: () => number;
  /**
   * How long a concurrency slot outlives the last renewal of its lease; defaults to {@link DEFAULT_LEASE_TTL_MS}.
   * Leases of unsettled calls are renewed every third of it (see {@link leaseRenewIntervalMs}).
   */
  leaseTtlMs?: number;
}

/**
 * Default lifetime of a concurrency lease after its last renewal: how long the slots of a node that died
 * mid-request stay taken. Calls that run longer keep their slots: their leases are renewed while they run.
 */
export const DEFAULT_LEASE_TTL_MS = 600_000;

/**
 * How often both engines renew the leases of unsettled calls: every third of the TTL, so a lease survives a
 * missed or failed renewal (and a Redis outage shorter than two thirds of the TTL).
 */
export function leaseRenewIntervalMs(leaseTtlMs: number): number {
  return Math.max(1, Math.floor(leaseTtlMs / 3));
}

const SWEEP_INTERVAL_MS = 60_000;

interface MemPlan extends LimitPlan {
  readonly owner: object;
  readonly compiled: CompiledRules;
}

/** Per-rule results of one acquire, before they are summarised into an Admission. */
export interface RawAcquire {
  readonly used: readonly number[];
  readonly resetMs: readonly number[];
  /** V_OK, V_REJECT or V_SHADOW_REJECT per rule. */
  readonly verdict: readonly number[];
  /** Set when every enforced rule fitted (and the demand was reserved). */
  readonly lease: Lease | null;
}

/** The memory engine, with the per-rule form of acquire the Redis engine merges under the `local` policy. */
export interface MemoryEngine extends Limiter {
  acquireRaw(plan: LimitPlan, demand: Amounts): RawAcquire;
}

interface MeteredCounter {
  readonly key: string;
  readonly kindCode: number;
  readonly endMs: number;
  readonly reserved: number;
  charged: number;
  readonly cutoffLimits: readonly number[];
}

interface MemLease extends Lease {
  readonly owner: object;
  readonly id: string;
  readonly metered: MeteredCounter[];
  readonly slots: string[];
  readonly produced: Tally;
  settled: boolean;
}

/**
 * The limit engine in one process, with the Redis engine's semantics: UTC calendar windows, all-or-nothing
 * reservations, concurrency leases with a TTL (renewed while the call runs), settle and checkpoint. Counts are
 * per process: for local development, unit tests, and the `local` failure policy (each node enforcing its share).
 */
export function createMemoryEngine(opts: MemoryEngineOptions = {}): MemoryEngine {
  const clock = opts.now ?? Date.now;
  const leaseTtlMs = opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const owner = {};
  const counters = new Map<string, { value: number; endMs: number }>();
  const slots = new Map<string, Map<string, number>>();
  let seq = 0;
  let nextSweepMs = 0;
  /** Unsettled leases holding concurrency slots, renewed by the timer; a lease leaves at settle. */
  const held = new Set<MemLease>();

  /** Renews each held slot not already expired (an expired one is gone, as in Redis). */
  function renew(): void {
    if (held.size === 0) return;
    const now = clock();
    for (const l of held) {
      for (const key of l.slots) {
        const set = slots.get(key);
        const exp = set?.get(l.id);
        if (exp !== undefined && exp > now) set!.set(l.id, now + leaseTtlMs);
      }
    }
  }
  const renewTimer = setInterval(renew, leaseRenewIntervalMs(leaseTtlMs));
  renewTimer.unref();

  function sweep(now: number): void {
    if (now < nextSweepMs) return;
    nextSweepMs = now + SWEEP_INTERVAL_MS;
    for (const [key, c] of counters) if (c.endMs <= now) counters.delete(key);
    for (const [key, set] of slots) {
      for (const [id, exp] of set) if (exp <= now) set.delete(id);
      if (set.size === 0) slots.delete(key);
    }
  }

  /** Adds `delta` to a window's counter unless the window has ended; the counter never goes below 0. */
  function adjust(key: string, delta: number, endMs: number, now: number): number {
    if (endMs <= now) return -1;
    let c = counters.get(key);
    if (!c) {
      c = { value: 0, endMs };
      counters.set(key, c);
    }
    c.value = Math.max(0, c.value + delta);
    return c.value;
  }

  function planOf(plan: LimitPlan): MemPlan {
    const p = plan as MemPlan;
    if (p.owner !== owner) throw new Error("this plan was made by another limiter");
    return p;
  }

  function acquireRaw(plan: LimitPlan, demand: Amounts): RawAcquire {
    const { rules, counters: cs, ruleCounter } = planOf(plan).compiled;
    const d = normalizeAmounts(demand);
    const now = clock();
    sweep(now);
    const n = cs.length;
    const keys: string[] = new Array(n);
    const used: number[] = new Array(n);
    const ends: number[] = new Array(n);
    const dem: number[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const c = cs[k]!;
      if (c.windowCode === 0) {
        const set = slots.get(c.key);
        if (set) for (const [id, exp] of set) if (exp <= now) set.delete(id);
        keys[k] = c.key;
        used[k] = set?.size ?? 0;
        ends[k] = 0;
        dem[k] = 1;
      } else {
        const [start, end] = windowBounds(now, c.windowCode);
        keys[k] = counterKey(c.key, start);
        used[k] = counters.get(keys[k]!)?.value ?? 0;
        ends[k] = end;
        dem[k] = usageOf(c.kindCode, d);
      }
    }
    const verdict: number[] = new Array(rules.length);
    let admitted = true;
    for (let i = 0; i < rules.length; i++) {
      const k = ruleCounter[i]!;
      const rule = rules[i]!;
      const over = used[k]! >= rule.limit || used[k]! + dem[k]! > rule.limit;
      verdict[i] = !over ? V_OK : rule.shadow ? V_SHADOW_REJECT : V_REJECT;
      if (over && !rule.shadow) admitted = false;
    }
    let lease: MemLease | null = null;
    if (admitted) {
      lease = { kind: "lease", owner, id: `m${++seq}`, metered: [], slots: [], produced: zero(), settled: false };
      for (let k = 0; k < n; k++) {
        const c = cs[k]!;
        if (c.windowCode === 0) {
          let set = slots.get(c.key);
          if (!set) {
            set = new Map();
            slots.set(c.key, set);
          }
          set.set(lease.id, now + leaseTtlMs);
          used[k] = set.size;
          lease.slots.push(c.key);
          held.add(lease);
          continue;
        }
        if (dem[k]! > 0) used[k] = adjust(keys[k]!, dem[k]!, ends[k]!, now);
        if (isMetered(c.kindCode)) {
          lease.metered.push({
            key: keys[k]!,
            kindCode: c.kindCode,
            endMs: ends[k]!,
            reserved: dem[k]!,
            charged: dem[k]!,
            cutoffLimits: c.cutoffLimits,
          });
        }
      }
    }
    const ruleUsed = ruleCounter.map((k) => used[k]!);
    const resetMs = ruleCounter.map((k) => (ends[k] === 0 ? 0 : ends[k]! - now));
    return { used: ruleUsed, resetMs, verdict, lease };
  }

  function leaseOf(lease: Lease): MemLease {
    const l = lease as MemLease;
    if (l.owner !== owner) throw new Error("this lease was made by another limiter");
    return l;
  }

  return {
    plan(rules: readonly LimitRule[]): LimitPlan {
      const compiled = compileRules("mem", rules);
      return Object.freeze({ rules: compiled.rules, owner, compiled }) as MemPlan;
    },
    async acquire(plan, demand) {
      const rules = plan.rules;
      if (rules.length === 0) return NO_RULES_ADMISSION;
      const r = acquireRaw(plan, demand);
      return buildAdmission(rules, r.used, r.resetMs, r.verdict, false, r.lease);
    },
    acquireRaw,
    async checkpoint(lease, producedSinceLast) {
      const l = leaseOf(lease);
      if (l.settled) return false;
      addInto(l.produced, producedSinceLast);
      const now = clock();
      let exhausted = false;
      for (const c of l.metered) {
        if (c.cutoffLimits.length === 0) continue;
        const soFar = usageOf(c.kindCode, l.produced);
        if (soFar <= c.charged) continue;
        const value = adjust(c.key, soFar - c.charged, c.endMs, now);
        c.charged = soFar;
        if (value >= 0 && c.cutoffLimits.some((limit) => value >= limit)) exhausted = true;
      }
      return exhausted;
    },
    settle(lease, actual) {
      try {
        const l = leaseOf(lease);
        if (l.settled) return;
        l.settled = true;
        const a = normalizeAmounts(actual);
        const now = clock();
        for (const c of l.metered) {
          const delta = usageOf(c.kindCode, a) - c.charged;
          if (delta !== 0) adjust(c.key, delta, c.endMs, now);
        }
        held.delete(l);
        for (const key of l.slots) slots.get(key)?.delete(l.id);
      } catch {
        // settle never throws: a foreign lease is a caller bug that must not fail a finished response.
      }
    },
    async close() {
      clearInterval(renewTimer);
      held.clear();
      counters.clear();
      slots.clear();
    },
  };
}

function zero(): Tally {
  return { inputTokens: 0, outputTokens: 0, costMicroUsd: 0 };
}

/** The in-memory limiter for local development without Redis (one process, nothing shared). */
export function createMemoryLimiter(opts: MemoryEngineOptions = {}): Limiter {
  return createMemoryEngine(opts);
}
