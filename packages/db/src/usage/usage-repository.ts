import { type Insertable, sql, type Transaction } from "kysely";
import type { Db } from "../create-db.ts";
import type { Database, UsageDailyTable, UsageRecordsTable } from "../database.ts";
import type { UsageGroupBy, UsageQuery, UsageRecordInput, UsageReport, UsageSums } from "./usage-types.ts";

/** Rows per INSERT statement: 18 parameters a row stays well under PostgreSQL's 65,535. */
const CHUNK = 1_000;

/** What `insertBatch` did: records newly stored, and records already there (replays) that were skipped. */
export interface UsageInsertResult {
  readonly inserted: number;
  readonly duplicates: number;
}

const SUM_COLUMNS = [
  "requests",
  "input_tokens",
  "output_tokens",
  "cached_tokens",
  "reasoning_tokens",
  "cost_micro_usd",
  "unpriced_requests",
] as const;

function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

function toRow(r: UsageRecordInput): Insertable<UsageRecordsTable> {
  return {
    request_id: r.requestId,
    ts: new Date(r.ts),
    node_id: r.nodeId,
    consumer_id: r.consumerId,
    group_id: r.groupId,
    route_id: r.routeId,
    alias: r.alias,
    provider_id: r.providerId,
    model: r.model,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cached_tokens: r.cachedTokens,
    reasoning_tokens: r.reasoningTokens,
    cost_micro_usd: r.costMicroUsd,
    status: r.status,
    latency_ms: r.latencyMs,
    streamed: r.streamed,
  };
}

/** Sums records per daily key, in key order (so concurrent batches lock daily rows in the same order). */
function dailySums(records: readonly UsageRecordInput[]): Insertable<UsageDailyTable>[] {
  const byKey = new Map<string, Insertable<UsageDailyTable> & Record<(typeof SUM_COLUMNS)[number], number>>();
  for (const r of records) {
    const day = utcDay(r.ts);
    const group = r.groupId ?? "";
    const key = JSON.stringify([day, r.consumerId, group, r.routeId, r.model]);
    let row = byKey.get(key);
    if (!row) {
      row = {
        day,
        consumer_id: r.consumerId,
        group_id: group,
        route_id: r.routeId,
        model: r.model,
        requests: 0,
        input_tokens: 0,
        output_tokens: 0,
        cached_tokens: 0,
        reasoning_tokens: 0,
        cost_micro_usd: 0,
        unpriced_requests: 0,
      };
      byKey.set(key, row);
    }
    row.requests += 1;
    row.input_tokens += r.inputTokens;
    row.output_tokens += r.outputTokens;
    row.cached_tokens += r.cachedTokens;
    row.reasoning_tokens += r.reasoningTokens;
    if (r.costMicroUsd === null) row.unpriced_requests += 1;
    else row.cost_micro_usd += r.costMicroUsd;
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

async function addDaily(trx: Transaction<Database>, rows: Insertable<UsageDailyTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto("usage_daily")
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(["day", "consumer_id", "group_id", "route_id", "model"]).doUpdateSet((eb) => ({
          requests: eb("usage_daily.requests", "+", eb.ref("excluded.requests")),
          input_tokens: eb("usage_daily.input_tokens", "+", eb.ref("excluded.input_tokens")),
          output_tokens: eb("usage_daily.output_tokens", "+", eb.ref("excluded.output_tokens")),
          cached_tokens: eb("usage_daily.cached_tokens", "+", eb.ref("excluded.cached_tokens")),
          reasoning_tokens: eb("usage_daily.reasoning_tokens", "+", eb.ref("excluded.reasoning_tokens")),
          cost_micro_usd: eb("usage_daily.cost_micro_usd", "+", eb.ref("excluded.cost_micro_usd")),
          unpriced_requests: eb("usage_daily.unpriced_requests", "+", eb.ref("excluded.unpriced_requests")),
        })),
      )
      .execute();
  }
}

/**
 * Stores a batch in one transaction: raw rows with `ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
 * then the daily sums of only the rows that statement actually inserted. A batch replayed after a crash (read
 * again from the stream, or claimed by another replica) therefore inserts and counts nothing twice, and
 * two replicas committing the same records at once are serialized by the primary key: the second waits for the
 * first and then finds the rows there.
 */
export async function insertBatch(db: Db, records: readonly UsageRecordInput[]): Promise<UsageInsertResult> {
  const unique = [...new Map(records.map((r) => [r.requestId, r])).values()].sort((a, b) =>
    a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0,
  );
  if (unique.length === 0) return { inserted: 0, duplicates: records.length };
  const inserted = await db.kysely.transaction().execute(async (trx) => {
    const fresh: UsageRecordInput[] = [];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      const rows = await trx
        .insertInto("usage_records")
        .values(chunk.map(toRow))
        .onConflict((oc) => oc.column("request_id").doNothing())
        .returning("request_id")
        .execute();
      const ids = new Set(rows.map((r) => r.request_id));
      for (const r of chunk) if (ids.has(r.requestId)) fresh.push(r);
    }
    await addDaily(trx, dailySums(fresh));
    return fresh.length;
  });
  return { inserted, duplicates: records.length - inserted };
}

const KEY_COLUMN: Readonly<Record<UsageGroupBy, "consumer_id" | "group_id" | "route_id" | "model">> = {
  consumer: "consumer_id",
  group: "group_id",
  route: "route_id",
  model: "model",
};

const ZERO: UsageSums = {
  requests: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  reasoningTokens: 0,
  costMicroUsd: 0,
  unpricedRequests: 0,
};

function add(a: UsageSums, b: UsageSums): UsageSums {
  return {
    requests: a.requests + b.requests,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    costMicroUsd: a.costMicroUsd + b.costMicroUsd,
    unpricedRequests: a.unpricedRequests + b.unpricedRequests,
  };
}

/**
 * Usage over UTC days `from`..`to` (both included) from the daily totals, so it answers for any range, also
 * past the raw records' retention. Sums are read as int8 (exact) and returned as numbers.
 */
export async function query(db: Db, q: UsageQuery): Promise<UsageReport> {
  const keyColumn = KEY_COLUMN[q.groupBy];
  const f = q.filters ?? {};
  const rows = await db.kysely
    .selectFrom("usage_daily")
    .select([
      sql<string>`to_char(day, 'YYYY-MM-DD')`.as("day"),
      sql<string>`${sql.ref(keyColumn)}`.as("key"),
      ...SUM_COLUMNS.map((c) => sql<bigint>`sum(${sql.ref(c)})::int8`.as(c)),
    ])
    .where("day", ">=", q.from)
    .where("day", "<=", q.to)
    .$if(f.consumerId !== undefined, (qb) => qb.where("consumer_id", "=", f.consumerId as string))
    .$if(f.groupId !== undefined, (qb) => qb.where("group_id", "=", f.groupId ?? ""))
    .$if(f.routeId !== undefined, (qb) => qb.where("route_id", "=", f.routeId as string))
    .$if(f.model !== undefined, (qb) => qb.where("model", "=", f.model as string))
    .groupBy(["day", keyColumn])
    .orderBy("day")
    .orderBy(keyColumn)
    .execute();
  const keyOf = (k: string) => (q.groupBy === "group" && k === "" ? null : k);
  const daily = rows.map((r) => ({
    day: r.day,
    key: keyOf(r.key),
    requests: Number(r.requests),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    cachedTokens: Number(r.cached_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
    costMicroUsd: Number(r.cost_micro_usd),
    unpricedRequests: Number(r.unpriced_requests),
  }));
  const perKey = new Map<string | null, UsageSums>();
  let total = ZERO;
  for (const { day: _day, key, ...sums } of daily) {
    perKey.set(key, add(perKey.get(key) ?? ZERO, sums));
    total = add(total, sums);
  }
  const totals = [...perKey.entries()]
    .map(([key, sums]) => ({ key, ...sums }))
    .sort(
      (a, b) =>
        b.costMicroUsd - a.costMicroUsd || b.requests - a.requests || String(a.key).localeCompare(String(b.key)),
    );
  return { totals, daily, total };
}

/**
 * Deletes raw records completed before `before` (the daily totals stay), in slices so one run never holds a
 * long lock on a large table. Returns how many were deleted.
 */
export async function deleteOlderThan(db: Db, before: Date, sliceSize = 10_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await db.kysely
      .deleteFrom("usage_records")
      .where(
        "request_id",
        "in",
        db.kysely.selectFrom("usage_records").select("request_id").where("ts", "<", before).limit(sliceSize),
      )
      .executeTakeFirst();
    const n = Number(result.numDeletedRows);
    deleted += n;
    if (n < sliceSize) return deleted;
  }
}

/** How many raw records are stored (tests and operators' checks). */
export async function countRecords(db: Db): Promise<number> {
  const row = await db.kysely
    .selectFrom("usage_records")
    .select(sql<bigint>`count(*)::int8`.as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
