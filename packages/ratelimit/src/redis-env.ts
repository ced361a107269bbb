import { parseRedisUrl, type RedisConnectionConfig, type RedisEndpoint } from "./redis-connection.ts";

/** Every variable {@link parseRedisEnv} reads, for apps that list or forward them. */
export const REDIS_ENV_VARS = [
  "REDIS_URL",
  "REDIS_USERNAME",
  "REDIS_PASSWORD",
  "REDIS_TLS",
  "REDIS_TLS_CA_FILE",
  "REDIS_TLS_CERT_FILE",
  "REDIS_TLS_KEY_FILE",
  "REDIS_TLS_SERVER_NAME",
  "REDIS_SENTINELS",
  "REDIS_SENTINEL_MASTER",
  "REDIS_SENTINEL_PASSWORD",
  "REDIS_CLUSTER_NODES",
] as const;

/** What {@link parseRedisEnv} found: a config (null when no Redis is named) or problems, each naming its variable. */
export type RedisEnvResult =
  | { readonly ok: true; readonly config: RedisConnectionConfig | null }
  | { readonly ok: false; readonly problems: readonly string[] };

/** "host:port,host:port" (IPv6 as "[::1]:port") as endpoints, or a problem naming the variable. */
function endpoints(name: string, text: string): RedisEndpoint[] | string {
  const out: RedisEndpoint[] = [];
  for (const item of text.split(",").map((s) => s.trim())) {
    if (item === "") continue;
    const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(item);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65_535) return `${name}: "${item}" is not host:port`;
    out.push({ host: m[1]!.replace(/^\[(.*)\]$/, "$1"), port });
  }
  return out.length > 0 ? out : `${name}: must list at least one host:port`;
}

function bool(name: string, text: string | undefined): boolean | undefined | string {
  if (text === undefined) return undefined;
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  return `${name}: must be true or false`;
}

/**
 * Reads the Redis connection variables shared by both planes (see {@link REDIS_ENV_VARS}) and refuses
 * combinations that cannot be meant: several topologies at once, TLS files with TLS off, a user without a
 * password, credentials given twice. Empty values count as unset, so a chart can always set every variable.
 * Secret values never appear in a problem.
 */
export function parseRedisEnv(env: Record<string, string | undefined>): RedisEnvResult {
  const get = (k: (typeof REDIS_ENV_VARS)[number]) => (env[k] === undefined || env[k] === "" ? undefined : env[k]);
  const problems: string[] = [];
  const url = get("REDIS_URL");
  let parsedUrl: ReturnType<typeof parseRedisUrl> | undefined;
  if (url !== undefined) {
    if (!/^rediss?:\/\//.test(url)) problems.push("REDIS_URL: must be a redis:// or rediss:// URL");
    else {
      try {
        parsedUrl = parseRedisUrl(url);
      } catch (e) {
        problems.push(`REDIS_URL: ${(e as Error).message.replace(/^the Redis URL/, "it")}`);
      }
    }
  }
  const sentinelsText = get("REDIS_SENTINELS");
  const sentinels = sentinelsText === undefined ? undefined : endpoints("REDIS_SENTINELS", sentinelsText);
  const clusterText = get("REDIS_CLUSTER_NODES");
  const clusterNodes = clusterText === undefined ? undefined : endpoints("REDIS_CLUSTER_NODES", clusterText);
  for (const r of [sentinels, clusterNodes]) if (typeof r === "string") problems.push(r);

  const topologies = (["REDIS_URL", "REDIS_SENTINELS", "REDIS_CLUSTER_NODES"] as const).filter((k) => get(k));
  if (topologies.length > 1) {
    problems.push(`${topologies.join(" and ")}: set only one of REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES`);
  }
  const master = get("REDIS_SENTINEL_MASTER");
  if (sentinelsText !== undefined && master === undefined)
    problems.push("REDIS_SENTINEL_MASTER is required with REDIS_SENTINELS");
  for (const k of ["REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD"] as const) {
    if (get(k) !== undefined && sentinelsText === undefined) problems.push(`${k} needs REDIS_SENTINELS`);
  }

  const tlsFlag = bool("REDIS_TLS", get("REDIS_TLS"));
  if (typeof tlsFlag === "string") problems.push(tlsFlag);
  if (tlsFlag === false && parsedUrl?.tls) problems.push("REDIS_TLS is false but REDIS_URL is rediss:// (TLS)");
  const tlsOn = tlsFlag === true || (tlsFlag === undefined && parsedUrl?.tls === true);
  for (const k of [
    "REDIS_TLS_CA_FILE",
    "REDIS_TLS_CERT_FILE",
    "REDIS_TLS_KEY_FILE",
    "REDIS_TLS_SERVER_NAME",
  ] as const) {
    if (get(k) !== undefined && !tlsOn) problems.push(`${k} needs REDIS_TLS=true (or a rediss:// REDIS_URL)`);
  }
  if (Boolean(get("REDIS_TLS_CERT_FILE")) !== Boolean(get("REDIS_TLS_KEY_FILE"))) {
    problems.push("REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE must be set together");
  }

  const username = get("REDIS_USERNAME");
  const password = get("REDIS_PASSWORD");
  if (username !== undefined && parsedUrl?.username !== undefined)
    problems.push("REDIS_USERNAME is set and REDIS_URL carries a user too: keep one");
  if (password !== undefined && parsedUrl?.password !== undefined)
    problems.push("REDIS_PASSWORD is set and REDIS_URL carries a password too: keep one");
  if (username !== undefined && password === undefined && parsedUrl?.password === undefined) {
    problems.push("REDIS_USERNAME needs REDIS_PASSWORD");
  }
  if (problems.length > 0) return { ok: false, problems };
  if (topologies.length === 0) return { ok: true, config: null };

  const caFile = get("REDIS_TLS_CA_FILE");
  const certFile = get("REDIS_TLS_CERT_FILE");
  const keyFile = get("REDIS_TLS_KEY_FILE");
  const servername = get("REDIS_TLS_SERVER_NAME");
  const sentinelPassword = get("REDIS_SENTINEL_PASSWORD");
  const config: RedisConnectionConfig = {
    ...(url !== undefined ? { url } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tlsOn
      ? {
          tls: {
            ...(caFile ? { caFile } : {}),
            ...(certFile ? { certFile } : {}),
            ...(keyFile ? { keyFile } : {}),
            ...(servername ? { servername } : {}),
          },
        }
      : {}),
    ...(Array.isArray(sentinels) ? { sentinels, sentinelMasterName: master! } : {}),
    ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
    ...(Array.isArray(clusterNodes) ? { clusterNodes } : {}),
  };
  return { ok: true, config };
}
