import type { ApplyError } from "@switchyard/config-sync/client";
import { err, ok, type Result } from "@switchyard/errors";
import type { VersionedSnapshot } from "@switchyard/policy";
import { compileRuntime } from "./compile-runtime.ts";
import { createPoolSet, type PoolSet } from "./pool-set.ts";
import type { RuntimeConfig, RuntimeSource } from "./types.ts";

/** Holds the runtime in force and replaces it as a whole. */
export interface RuntimeHolder extends RuntimeSource {
  /**
   * Compiles a snapshot and, if it compiles, makes it current in one assignment. On failure the current runtime
   * stays and the error names the entity at fault (the watcher nacks with it).
   */
  apply(s: VersionedSnapshot): Result<RuntimeConfig, ApplyError>;
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
}

/**
 * Creates the holder. Requests read `current()` synchronously right before they dispatch, so a pool retired by
 * a swap is never handed out afterwards, and closing it waits for requests already sent on it.
 */
export function createRuntimeHolder(opts: RuntimeHolderOptions = {}): RuntimeHolder {
  const pools = opts.pools ?? createPoolSet();
  let runtime: RuntimeConfig | null = null;
  return {
    current: () => runtime,
    apply(s) {
      const compiled = compileRuntime(s, pools);
      if (!compiled.ok) return compiled;
      const rejected = opts.rejectRouteAlias ? compiled.value.routes.get(opts.rejectRouteAlias) : undefined;
      if (rejected) {
        // The compiled runtime is dropped unswapped; pools it opened are released with the next retain.
        return err({
          code: "rejected_by_test_hook",
          message: `route alias "${rejected.alias}" is refused by SWITCHYARD_TEST_REJECT_ROUTE_ALIAS`,
          entityKind: "route",
          entityId: rejected.routeId,
        });
      }
      runtime = compiled.value;
      pools.retain(compiled.value.poolKeys).catch((e: unknown) => opts.onPoolCloseError?.(e));
      return ok(compiled.value);
    },
    close: () => pools.closeAll(),
  };
}
