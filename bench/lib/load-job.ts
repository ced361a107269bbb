import type { LatencySummary } from "./stats.ts";

/** The request a load job repeats; built by the orchestrator, identical for every target. */
export interface LoadRequest {
  /** `http://127.0.0.1:<port>` of the target. */
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Bytes a complete answer has; any other size (or a non-200 status) counts as an error. */
  readonly expectedBytes: number;
}

/** Closed loop: `connections` clients each send the next request when the previous one finished. */
export interface ClosedJob {
  readonly kind: "closed";
  readonly requests: readonly LoadRequest[];
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Open loop: requests sent at a fixed rate whatever the target does, latency from the scheduled time. */
export interface OpenJob {
  readonly kind: "open";
  readonly requests: readonly LoadRequest[];
  /** Requests per second. */
  readonly rate: number;
  /** Upper bound on connections; past it requests queue in the generator, and that wait counts as latency. */
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** A job for the load generator process. */
export type LoadJob = ClosedJob | OpenJob;

/** What a job measured inside its window (warm-up excluded). */
export interface LoadResult {
  readonly kind: LoadJob["kind"];
  /** Responses completed successfully inside the window. */
  readonly ok: number;
  /** Failed, wrong-status or truncated responses inside the window. */
  readonly errors: number;
  /** Length of the measurement window in milliseconds. */
  readonly windowMs: number;
  /** Successful responses per second over the window. */
  readonly rps: number;
  /** Whole-response latency: from the scheduled time (open loop) or the send (closed loop) to the last byte. */
  readonly latency: LatencySummary;
  /** Time to the first body byte, from the same origin as `latency`. */
  readonly ttfb: LatencySummary;
  /** Open loop only: how late the generator itself sent, so an overloaded generator is visible. */
  readonly sendLag: LatencySummary | null;
}

/** Messages from the load generator to the orchestrator. */
export type LoadMessage =
  | { readonly type: "window-start" }
  | { readonly type: "window-end" }
  | { readonly type: "result"; readonly result: LoadResult }
  | { readonly type: "failed"; readonly message: string };
