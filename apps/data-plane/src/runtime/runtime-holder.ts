import type { ApplyError } from "@switchyard/config-sync/client";
import { ok, type Result } from "@switchyard/errors";
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
      runtime = compiled.value;
      pools.retain(compiled.value.poolKeys).catch((e: unknown) => opts.onPoolCloseError?.(e));
      return ok(compiled.value);
    },
    close: () => pools.closeAll(),
  };
}
