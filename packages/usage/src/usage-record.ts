/**
 * One served request, as the data plane reports it once the client's answer is complete. Token counts are
 * what the upstream reported (or the data plane metered on a stream); `costMicroUsd` is null when the model
 * has no price in the catalog, so an unpriced request is never counted as free.
 */
export interface UsageRecord {
  /** The gateway's request id; the idempotency key all the way into PostgreSQL. */
  requestId: string;
  /** When the answer completed, in milliseconds since the epoch. */
  ts: number;
  /** The data plane that served it. */
  nodeId: string;
  consumerId: string;
  /** The consumer's group (team), or null when it has none. */
  groupId: string | null;
  routeId: string;
  /** The model name the client asked for (the route's alias). */
  alias: string;
  providerId: string;
  /** The upstream model the request was sent to. */
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Cost in micro-USD (1e-6 USD), or null when the model is unpriced. */
  costMicroUsd: number | null;
  /** The HTTP status the client was given. */
  status: number;
  latencyMs: number;
  streamed: boolean;
}

/** The encoding version written with every entry, so a later release can change the field list. */
export const USAGE_ENCODING_VERSION = "1";

/**
 * Short stream field names, in the order they are written. A flat field list (not nested JSON) keeps an
 * entry small in Redis's listpack encoding and cheap to build on the request path.
 */
const FIELDS = {
  requestId: "id",
  ts: "ts",
  nodeId: "n",
  consumerId: "c",
  groupId: "g",
  routeId: "r",
  alias: "a",
  providerId: "p",
  model: "m",
  inputTokens: "i",
  outputTokens: "o",
  cachedTokens: "ch",
  reasoningTokens: "rs",
  costMicroUsd: "$",
  status: "s",
  latencyMs: "l",
  streamed: "st",
} as const satisfies Record<keyof UsageRecord, string>;

/**
 * The XADD field/value list for a record. A null group or cost is written as an absent field, so "no
 * group" and "unpriced" cannot be confused with an empty string or zero.
 */
export function encodeUsageRecord(r: UsageRecord): string[] {
  const out = [
    "v",
    USAGE_ENCODING_VERSION,
    FIELDS.requestId,
    r.requestId,
    FIELDS.ts,
    String(r.ts),
    FIELDS.nodeId,
    r.nodeId,
    FIELDS.consumerId,
    r.consumerId,
    FIELDS.routeId,
    r.routeId,
    FIELDS.alias,
    r.alias,
    FIELDS.providerId,
    r.providerId,
    FIELDS.model,
    r.model,
    FIELDS.inputTokens,
    String(r.inputTokens),
    FIELDS.outputTokens,
    String(r.outputTokens),
    FIELDS.cachedTokens,
    String(r.cachedTokens),
    FIELDS.reasoningTokens,
    String(r.reasoningTokens),
    FIELDS.status,
    String(r.status),
    FIELDS.latencyMs,
    String(r.latencyMs),
    FIELDS.streamed,
    r.streamed ? "1" : "0",
  ];
  if (r.groupId !== null) out.push(FIELDS.groupId, r.groupId);
  if (r.costMicroUsd !== null) out.push(FIELDS.costMicroUsd, String(r.costMicroUsd));
  return out;
}

/** Separates the fields of a packed record; no field the data plane writes can hold it except an upstream model name. */
export const PACKED_SEPARATOR = "\n";

/**
 * The same field/value list as {@link encodeUsageRecord}, joined into one string by {@link PACKED_SEPARATOR}
 * (the append script splits it back, so the stream entry is unchanged): one script argument per record
 * instead of about 34 is cheaper to frame on the request path and for Redis to parse. Null when a text value
 * holds the separator (only an upstream model name can); such a record is sent as its field list.
 */
export function packUsageRecord(r: UsageRecord): string | null {
  if (r.model.includes(PACKED_SEPARATOR)) return null;
  let out = `v\n${USAGE_ENCODING_VERSION}\nid\n${r.requestId}\nts\n${r.ts}\nn\n${r.nodeId}\nc\n${r.consumerId}\nr\n${r.routeId}\na\n${r.alias}\np\n${r.providerId}\nm\n${r.model}\ni\n${r.inputTokens}\no\n${r.outputTokens}\nch\n${r.cachedTokens}\nrs\n${r.reasoningTokens}\ns\n${r.status}\nl\n${r.latencyMs}\nst\n${r.streamed ? "1" : "0"}`;
  if (r.groupId !== null) out += `\ng\n${r.groupId}`;
  if (r.costMicroUsd !== null) out += `\n$\n${r.costMicroUsd}`;
  return out;
}

function count(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

/**
 * Reads a stream entry's field list back into a record; null when it is not a version-1 usage entry or a
 * field is missing or malformed (the consumer acknowledges and counts such an entry instead of retrying it
 * forever).
 */
export function decodeUsageRecord(fields: readonly string[]): UsageRecord | null {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i] as string, fields[i + 1] as string);
  if (f.get("v") !== USAGE_ENCODING_VERSION) return null;
  const text = (k: keyof typeof FIELDS) => f.get(FIELDS[k]);
  const requestId = text("requestId");
  const nodeId = text("nodeId");
  const consumerId = text("consumerId");
  const routeId = text("routeId");
  const alias = text("alias");
  const providerId = text("providerId");
  const model = text("model");
  const ts = count(text("ts"));
  const inputTokens = count(text("inputTokens"));
  const outputTokens = count(text("outputTokens"));
  const cachedTokens = count(text("cachedTokens"));
  const reasoningTokens = count(text("reasoningTokens"));
  const status = count(text("status"));
  const latencyMs = count(text("latencyMs"));
  const costText = text("costMicroUsd");
  const costMicroUsd = costText === undefined ? null : count(costText);
  const streamed = text("streamed");
  if (
    !requestId ||
    nodeId === undefined ||
    consumerId === undefined ||
    routeId === undefined ||
    alias === undefined ||
    providerId === undefined ||
    model === undefined ||
    ts === null ||
    inputTokens === null ||
    outputTokens === null ||
    cachedTokens === null ||
    reasoningTokens === null ||
    status === null ||
    latencyMs === null ||
    (costText !== undefined && costMicroUsd === null) ||
    (streamed !== "0" && streamed !== "1")
  ) {
    return null;
  }
  return {
    requestId,
    ts,
    nodeId,
    consumerId,
    groupId: text("groupId") ?? null,
    routeId,
    alias,
    providerId,
    model,
    inputTokens,
    outputTokens,
    cachedTokens,
    reasoningTokens,
    costMicroUsd,
    status,
    latencyMs,
    streamed: streamed === "1",
  };
}
