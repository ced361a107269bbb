import type { LoadRequest } from "./load-job.ts";

/** The things a run measures, in the order the report lists them. */
export type TargetName = "direct" | "proxy" | "hono" | "switchyard";

/** One measured target: where to send, what to send, which process's CPU to count. */
export interface Target {
  readonly name: TargetName;
  /** Human description for the report. */
  readonly label: string;
  /** The process whose CPU time is the target's cost. */
  readonly pid: number;
  /** The request (without `expectedBytes`, which a probe fills in) for plain or streamed mode. */
  request(stream: boolean): Omit<LoadRequest, "expectedBytes">;
  stop(): Promise<void>;
}
