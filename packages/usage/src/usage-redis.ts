import type { Cluster, Redis } from "ioredis";

/** The Redis handle the producer and consumer work with: a single node (or Sentinel) client, or a Cluster. */
export type UsageRedis = Redis | Cluster;

/** The small logging surface the pipeline needs; a pino logger fits. */
export interface UsageLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** A short reason for a log line: the error's message, never a stack or a value it carries. */
export function reasonOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 200);
}
