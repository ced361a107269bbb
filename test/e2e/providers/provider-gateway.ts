import { randomBytes } from "node:crypto";
import { type FakeUpstream, startFakeUpstream } from "../../fakes/fake-upstream.ts";
import { HTTP_KINDS, UPSTREAM_KEY } from "../../fakes/provider-setups.ts";
import {
  eventually,
  freePort,
  type PostgresInstance,
  type RedisInstance,
  type ServiceProcess,
  startPostgres,
  startRedis,
  startService,
} from "../../harness/index.ts";

/** An HTTP provider kind with a fake upstream. */
export type HttpKind = keyof typeof HTTP_KINDS;

/** Every HTTP kind, in a fixed order. */
export const HTTP_KIND_LIST = Object.keys(HTTP_KINDS) as HttpKind[];

/** The Azure API version the scenario configures, so the fake can be checked to receive it. */
export const AZURE_API_VERSION = "2025-04-01-preview";

/**
 * Kinds whose fakes answer a wrong provider key with 401, each given a provider holding such a key. Gemini,
 * which answers 400 `API_KEY_INVALID` instead, gets one too (`bad-credential-gemini`).
 */
export const WRONG_CREDENTIAL_KINDS = ["openai", "azure-openai", "anthropic"] as const satisfies HttpKind[];

/** A route whose provider points at a loopback fake without `allowInternal`: the data plane refuses to connect. */
export const INTERNAL_REFUSED_ALIAS = "unmarked-loopback";

/** The route alias serving a provider kind; `strict-<kind>` is the same target in strict mode. */
export const aliasOf = (kind: string) => `chat-${kind}`;

/** A control plane and one data plane with a provider of every kind, each HTTP one in front of its fake. */
export interface ProviderGateway {
  /** Base URL for the openai SDK (`…/v1`). */
  readonly openaiBaseURL: string;
  /** Base URL for @anthropic-ai/sdk (it appends `/v1/messages`). */
  readonly anthropicBaseURL: string;
  /** A gateway API key of an enabled consumer. */
  readonly apiKey: string;
  readonly fakes: Readonly<Record<HttpKind, FakeUpstream>>;
  readonly dataPlane: ServiceProcess;
  close(): Promise<void>;
}

/**
 * Starts PostgreSQL, Redis, the control plane, one data plane and a fake upstream per HTTP kind, then
 * configures through the admin API: one provider per kind (Azure with an API version), a route `chat-<kind>`
 * to each, a strict route `strict-anthropic`, routes `bad-credential-<kind>` whose providers hold a key the
 * fake refuses (401), a route {@link INTERNAL_REFUSED_ALIAS} whose provider is not allowed to reach internal
 * addresses, and a consumer with a key. Every other provider is marked `allowInternal` (the fakes are on loopback). Returns once the data plane serves that configuration.
 */
export async function startProviderGateway(): Promise<ProviderGateway> {
  const adminToken = randomBytes(24).toString("hex");
  const nodeToken = randomBytes(24).toString("hex");
  const started: { stop(): Promise<unknown> }[] = [];
  try {
    const [pg, redis]: [PostgresInstance, RedisInstance] = await Promise.all([startPostgres(), startRedis()]);
    started.push(pg, redis);
    const fakeList = await Promise.all(HTTP_KIND_LIST.map((k) => startFakeUpstream(HTTP_KINDS[k].wire())));
    for (const f of fakeList) started.push({ stop: () => f.close() });
    const fakes = Object.fromEntries(HTTP_KIND_LIST.map((k, i) => [k, fakeList[i]])) as Record<HttpKind, FakeUpstream>;

    const [adminPort, grpcPort, cpMetrics, port, dpMetrics] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    const cp = startService("control-plane", "apps/control-plane/src/main.ts", {
      SWITCHYARD_MODE: "production",
      HOST: "127.0.0.1",
      ADMIN_PORT: String(adminPort),
      GRPC_PORT: String(grpcPort),
      METRICS_PORT: String(cpMetrics),
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      ADMIN_TOKEN: adminToken,
      NODE_TOKEN: nodeToken,
      MASTER_KEY: randomBytes(32).toString("hex"),
      ALLOW_INTERNAL_UPSTREAMS: "true",
      GRPC_ALLOW_PLAINTEXT: "true",
      LOG_LEVEL: "warn",
    });
    started.push({ stop: () => cp.kill("SIGKILL") });
    const dpUrl = `http://127.0.0.1:${port}`;
    const dp = startService("data-plane", "apps/data-plane/src/main.ts", {
      SWITCHYARD_MODE: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      METRICS_PORT: String(dpMetrics),
      CONTROL_PLANE_URL: `127.0.0.1:${grpcPort}`,
      NODE_TOKEN: nodeToken,
      REDIS_URL: redis.url,
      NODE_ID: "dp-providers",
      SNAPSHOT_FILE: "",
      SNAPSHOT_STARTUP_WAIT_MS: "100",
      CONFIG_ALLOW_PLAINTEXT: "true",
      LOG_LEVEL: "warn",
    });
    started.push({ stop: () => dp.kill("SIGKILL") });
    await cp.waitHttp(`${adminUrl}/readyz`);

    let lastGeneration = 0n;
    const admin = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`${adminUrl}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const generation = res.headers.get("x-config-generation");
      if (generation && BigInt(generation) > lastGeneration) lastGeneration = BigInt(generation);
      const json = await res.json();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const route = (alias: string, providerId: string, upstreamModel: string, strict = false) =>
      admin("POST", "/routes", { alias, providerId, upstreamModel, strict });

    for (const kind of HTTP_KIND_LIST) {
      const k = HTTP_KINDS[kind];
      const p = await admin("POST", "/providers", {
        name: kind,
        kind,
        baseUrl: `${fakes[kind].origin}${k.basePath}`,
        allowInternal: true,
        apiKey: UPSTREAM_KEY,
        ...(kind === "azure-openai" ? { apiVersion: AZURE_API_VERSION } : {}),
      });
      await route(aliasOf(kind), p.id, k.model);
      if (kind === "anthropic") await route("strict-anthropic", p.id, k.model, true);
    }
    const mock = await admin("POST", "/providers", { name: "mock", kind: "mock" });
    await route(aliasOf("mock"), mock.id, "mock-1");
    for (const kind of [...WRONG_CREDENTIAL_KINDS, "gemini" as const]) {
      const wrong = await admin("POST", "/providers", {
        name: `wrong-credential-${kind}`,
        kind,
        baseUrl: `${fakes[kind].origin}${HTTP_KINDS[kind].basePath}`,
        allowInternal: true,
        apiKey: "sk-not-the-upstream-key",
      });
      await route(`bad-credential-${kind}`, wrong.id, HTTP_KINDS[kind].model);
    }
    // Accepted by the control plane (ALLOW_INTERNAL_UPSTREAMS above) but not marked allowInternal: the data plane,
    // which has no such override, must refuse to connect to its loopback address.
    const unmarked = await admin("POST", "/providers", {
      name: "unmarked-loopback",
      kind: "openai",
      baseUrl: `${fakes.openai.origin}/v1`,
      apiKey: UPSTREAM_KEY,
    });
    await route(INTERNAL_REFUSED_ALIAS, unmarked.id, HTTP_KINDS.openai.model);
    const consumer = await admin("POST", "/consumers", { name: "sdk-user" });
    const key = await admin("POST", `/consumers/${consumer.id}/keys`, { name: "e2e" });

    await dp.waitHttp(`${dpUrl}/readyz`);
    // Converged: the published snapshot covers the last write, and the data plane acked that snapshot.
    await eventually(async () => {
      const snap = await admin("GET", "/snapshot");
      if (!snap.version || !snap.coveredGeneration || BigInt(snap.coveredGeneration) < lastGeneration) return null;
      const nodes = (await admin("GET", "/nodes")).data as { ackedVersion: string | null }[];
      return nodes.length === 1 && nodes[0]?.ackedVersion === snap.version ? true : null;
    }, 15_000);

    return {
      openaiBaseURL: `${dpUrl}/v1`,
      anthropicBaseURL: dpUrl,
      apiKey: key.key as string,
      fakes,
      dataPlane: dp,
      close: async () => {
        await Promise.all(started.map((s) => s.stop()));
      },
    };
  } catch (e) {
    await Promise.all(started.map((s) => s.stop()));
    throw e;
  }
}
