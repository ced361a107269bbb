import { createServer } from "node:net";
import { ok } from "@switchyard/errors";
import { buildSnapshot, type ConfigSnapshot } from "@switchyard/policy";
import type { ConfigWatcherOptions } from "./client/watcher-options.ts";
import type { SyncLogger } from "./logger.ts";

/** A small consistent configuration; `tag` changes one route so each tag gives a different version. */
export function sampleConfig(tag = "a"): ConfigSnapshot {
  return buildSnapshot({
    providers: [
      {
        id: "00000000-0000-4000-8000-000000000002",
        name: "openai",
        kind: "openai",
        baseUrl: "https://api.openai.com/v1",
        apiKey: "sk-test",
        connectTimeoutMs: 5_000,
        firstByteTimeoutMs: 60_000,
        apiVersion: null,
        allowInternal: false,
      },
      {
        id: "00000000-0000-4000-8000-000000000001",
        name: "mock",
        kind: "mock",
        baseUrl: "",
        apiKey: null,
        connectTimeoutMs: 1_000,
        firstByteTimeoutMs: 2_000,
        apiVersion: null,
        allowInternal: false,
      },
    ],
    routes: [
      {
        id: "10000000-0000-4000-8000-000000000001",
        alias: "gpt",
        providerId: "00000000-0000-4000-8000-000000000002",
        upstreamModel: `gpt-${tag}`,
        strict: false,
      },
    ],
    consumers: [
      {
        id: "20000000-0000-4000-8000-000000000001",
        name: "team",
        enabled: true,
        groupId: "50000000-0000-4000-8000-000000000001",
      },
    ],
    groups: [{ id: "50000000-0000-4000-8000-000000000001", name: "platform" }],
    apiKeys: [
      {
        id: "30000000-0000-4000-8000-000000000001",
        consumerId: "20000000-0000-4000-8000-000000000001",
        hash: "a".repeat(64),
      },
    ],
    limits: [
      {
        id: "40000000-0000-4000-8000-000000000001",
        kind: "requests",
        window: "minute",
        scope: "consumer",
        scopeId: "20000000-0000-4000-8000-000000000001",
        limit: 2 ** 40,
        failurePolicy: "fail-open",
        mode: "enforce",
        onUnpriced: "deny",
        streamCutoff: false,
      },
      {
        id: "40000000-0000-4000-8000-000000000002",
        kind: "cost_usd",
        window: "day",
        scope: "consumer_group",
        scopeId: "50000000-0000-4000-8000-000000000001",
        limit: 12.345678,
        failurePolicy: "local",
        mode: "shadow",
        onUnpriced: "allow",
        streamCutoff: true,
      },
      {
        id: "40000000-0000-4000-8000-000000000003",
        kind: "concurrency",
        window: null,
        scope: "global",
        scopeId: "",
        limit: 50,
        failurePolicy: "fail-closed",
        mode: "enforce",
        onUnpriced: "deny",
        streamCutoff: false,
      },
    ],
    prices: [
      {
        id: "60000000-0000-4000-8000-000000000001",
        model: "gpt-4o-mini",
        inputPerMTok: 0.15,
        outputPerMTok: 0.6,
        cachedInputPerMTok: 0.075,
      },
      {
        id: "60000000-0000-4000-8000-000000000002",
        model: "text-embedding-3-small",
        inputPerMTok: 0.02,
        outputPerMTok: 0,
        cachedInputPerMTok: null,
      },
    ],
  });
}

/** A logger that records entries, so tests can assert on what was logged (and that no secret was). */
export function recordingLogger(): SyncLogger & { entries: { level: string; obj: object; msg: string }[] } {
  const entries: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    entries.push({ level, obj, msg });
  };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Polls `check` every 5 ms until it holds, failing after `timeoutMs`; tests wait on conditions, not sleeps. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Node token the test servers accept. */
export const TEST_TOKEN = "node-token-for-tests-0123456789";

/** Options for test watchers: fast backoff, a recording apply, loopback URL. */
export function watcherOptions(port: number, nodeId: string, over: Partial<ConfigWatcherOptions> = {}) {
  const appliedVersions: string[] = [];
  const logger = recordingLogger();
  const opts: ConfigWatcherOptions = {
    url: `http://127.0.0.1:${port}`,
    nodeToken: TEST_TOKEN,
    nodeId,
    hostname: `${nodeId}.local`,
    labels: { zone: "z1" },
    buildVersion: "1.2.3",
    apply: (s) => {
      appliedVersions.push(s.version);
      return ok(undefined);
    },
    logger,
    backoff: { initialMs: 10, maxMs: 50 },
    ...over,
  };
  return { opts, appliedVersions, logger };
}

/** A loopback port nothing listens on (bound, then released), for "control plane unreachable" cases. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}
