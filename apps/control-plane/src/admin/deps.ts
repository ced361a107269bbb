import type { Db, NodeStatusRecord } from "@switchyard/db";
import type { CounterReading, InspectedRule } from "@switchyard/ratelimit/inspect";
import type { Logger, RequestIdVariables } from "@switchyard/telemetry";
import type { Hono } from "hono";
import type { SecretBox } from "../secrets/secret-box.ts";

/** Services the admin API needs, built once in main.ts and injected. */
export interface AdminDeps {
  db: Db;
  secrets: SecretBox;
  logger: Logger;
  /**
   * Returns why an upstream URL is refused (internal address), or null when it may be used; a provider marked
   * `allowInternal` may use internal addresses.
   */
  guardUpstream(url: string, providerAllowsInternal: boolean): Promise<string | null>;
  /**
   * Tells the snapshot publisher that a write committed a new generation; `urgent` (a key revoked, a consumer
   * changed or deleted) skips the debounce.
   */
  changed(generation: bigint, urgent?: boolean): void;
  /** The data-plane fleet as every replica reported it (see sync/fleet-view.ts). */
  nodes(): NodeStatusRecord[] | Promise<NodeStatusRecord[]>;
  /**
   * Reads the limit engine's current counters from the data planes' Redis (`readLimitCounters`); absent when
   * no Redis is configured, and then the limit counters endpoint answers 503.
   */
  readLimitCounters?(rules: readonly InspectedRule[]): Promise<CounterReading[]>;
}

/** The admin Hono app type, with the request id set by middleware. */
export type AdminApp = Hono<{ Variables: RequestIdVariables }>;
