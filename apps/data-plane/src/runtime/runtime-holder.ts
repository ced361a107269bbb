import type { ApplyError } from "@switchyard/config-sync/client";
import { runSliced, runSteps } from "@switchyard/config-sync/codec";
import { err, ok, type Result } from "@switchyard/errors";
import type { VersionedSnapshot } from "@switchyard/policy";
import { type Compiled, compileSteps } from "./compile-runtime.ts";
import { createPoolSet, type PoolSet } from "./pool-set.ts";
import type { RuntimeConfig, RuntimeSource } from "./types.ts";

/** Holds the runtime in force and replaces it as a whole. */
export interface RuntimeHolder extends RuntimeSource {
  /**
   * Compiles a snapshot and, if it compiles, makes it current in one assignment. On failure the current runtime
   * stays and the error names the entity at fault (the watcher nacks with it). Runs to the end without
   * yielding: for tests and small configurations; the config stream uses {@link RuntimeHolder.applySliced}.
   */
  apply(s: VersionedSnapshot): Result<RuntimeConfig, ApplyError>;
  /**
   * As {@link RuntimeHolder.apply}, but the compile gives the event loop a turn every few milliseconds, so
   * requests in flight keep being served while a large snapshot compiles; they see the old runtime until the
   * one assignment that swaps in the new one. Applies run one at a time, in call order.
   */
  applySliced(s: VersionedSnapshot): Promise<Result<RuntimeConfig, ApplyError>>;
  /**
   * The number of data planes the control plane sees: each node's share of a `local` failure-policy limit is
   * the limit divided by it. Applies to the runtime in force and every later one.
   */
  setFleetSize(n: number): void;
  /** Closes every upstream pool, letting in-flight requests finish. */
  close(): Promise<void>;
}

/** Options for {@link createRuntimeHolder}. */
export interface RuntimeHolderOptions {
  /** The pool set runtimes draw from; tests pass one to inspect it. */
  pools?: PoolSet;
  /** Told when closing a retired pool failed; closing never blocks an apply. */
  onPoolCloseError?: (e: unknown) => void;
  /**
   * Test hook (SWITCHYARD_TEST_REJECT_ROUTE_ALIAS): a snapshot with a route of this alias fails like a compile
   * error, after compiling and before the swap, so tests can see a Nack leave the old runtime untouched.
   */
  rejectRouteAlias?: string | null;
  /** Work between two event-loop turns in {@link RuntimeHolder.applySliced} (default 5 ms). */
  sliceMs?: number;
}

/**
 * Creates the holder. Requests read `current()` synchronously right before they dispatch, so a pool retired by
 * a swap is never handed out afterwards, and closing it waits for requests already sent on it. Each compile
 * starts from the one in force (see compileSteps), so a small change costs about what it changes.
 */
export function createRuntimeHolder(opts: RuntimeHolderOptions = {}): RuntimeHolder {
  const pools = opts.pools ?? createPoolSet();
  let fleetSize = 1;
  let compiled: Compiled | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  const swap = (next: Result<Compiled, ApplyError>): Result<RuntimeConfig, ApplyError> => {
    if (!next.ok) return next;
    const rejected = opts.rejectRouteAlias ? next.value.runtime.routes.get(opts.rejectRouteAlias) : undefined;
    if (rejected) {
      // The compiled runtime is dropped unswapped; pools it opened are released with the next retain.
      return err({
        code: "rejected_by_test_hook",
        message: `route alias "${rejected.alias}" is refused by SWITCHYARD_TEST_REJECT_ROUTE_ALIAS`,
        entityKind: "route",
        entityId: rejected.routeId,
      });
    }
    compiled = next.value;
    pools.retain(next.value.runtime.poolKeys).catch((e: unknown) => opts.onPoolCloseError?.(e));
    return ok(next.value.runtime);
  };

  return {
    current: () => compiled?.runtime ?? null,
    apply: (s) => swap(runSteps(compileSteps(s, pools, fleetSize, compiled))),
    setFleetSize(n) {
      fleetSize = n;
      compiled?.runtime.limits.setFleetSize(n);
    },
    applySliced(s) {
      const run = queue.then(async () =>
        swap(await runSliced(compileSteps(s, pools, fleetSize, compiled), opts.sliceMs)),
      );
      queue = run.catch(() => {});
      return run;
    },
    close: () => pools.closeAll(),
  };
}
