import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai-upstream.ts";
import {
  createDatabase,
  type PostgresInstance,
  type RedisInstance,
  startPostgres,
  startRedis,
} from "../../harness/index.ts";
import { adminClient, type ControlPlane, controlPlane, type DataPlane, dataPlane, type FleetSecrets } from "./fleet.ts";

/** A PostgreSQL, a Redis, a fake OpenAI upstream, a control plane and data planes using that Redis. */
export interface RedisFleet {
  readonly pg: PostgresInstance;
  readonly redis: RedisInstance;
  readonly upstream: FakeOpenAI;
  readonly databaseUrl: string;
  readonly cp: ControlPlane;
  readonly dps: readonly DataPlane[];
  readonly admin: ReturnType<typeof adminClient>;
  /** Stops the data planes and the control plane (SIGTERM), then the upstream, Redis and PostgreSQL. */
  stop(): Promise<void>;
}

/** What differs between the scenarios that use a {@link RedisFleet}. */
export interface RedisFleetOptions {
  readonly secrets: FleetSecrets;
  /** The database created for this scenario. */
  readonly database: string;
  /** Data-plane node ids, one process each. */
  readonly nodes: readonly string[];
  /** The key the fake upstream accepts. */
  readonly upstreamKey: string;
  /** Extra control-plane environment. */
  readonly cpEnv?: Readonly<Record<string, string>>;
  /** Whether the control plane gets `REDIS_URL` (usage consumer, limit counters); default true. */
  readonly cpRedis?: boolean;
}

/**
 * Starts the set-up the limits and usage scenarios share. Data planes starting at once on two shared cores
 * take a while to load, hence the long start timeout.
 */
export async function startRedisFleet(o: RedisFleetOptions): Promise<RedisFleet> {
  const [pg, redis, upstream] = await Promise.all([
    startPostgres(),
    startRedis(),
    startFakeOpenAI({ apiKey: o.upstreamKey }),
  ]);
  const databaseUrl = await createDatabase(pg, o.database);
  const cp = await controlPlane("cp", o.secrets, databaseUrl, {
    ...(o.cpRedis === false ? {} : { REDIS_URL: redis.url }),
    ...o.cpEnv,
  });
  await cp.start();
  const dps: DataPlane[] = [];
  for (const id of o.nodes) dps.push(await dataPlane(id, o.secrets, cp.grpcAddress, redis.url));
  await Promise.all(dps.map((dp) => dp.start({ timeoutMs: 60_000 })));
  return {
    pg,
    redis,
    upstream,
    databaseUrl,
    cp,
    dps,
    admin: adminClient(cp.adminUrl, o.secrets.adminToken),
    async stop() {
      await Promise.all(dps.map((dp) => dp.kill("SIGTERM")));
      for (const dp of dps) dp.cleanup();
      await cp.kill("SIGTERM");
      await Promise.all([upstream.close(), redis.stop(), pg.stop()]);
    },
  };
}
