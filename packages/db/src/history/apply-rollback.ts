import { err, ok, type Result } from "@switchyard/errors";
import { sql, type Transaction } from "kysely";
import { appendChange } from "../config-changes.ts";
import type { Db } from "../create-db.ts";
import type { Database } from "../database.ts";
import type { DbError } from "../db-error.ts";
import { secretColumns } from "../providers/provider-record.ts";
import { runWrite } from "../run-write.ts";
import type { HistoryLimit, HistoryPrice, HistoryProvider, HistoryRoute } from "./history-content.ts";
import { isEmptyPlan, type RollbackPlan } from "./rollback-plan.ts";

type Trx = Transaction<Database>;

const providerColumns = (p: HistoryProvider) => ({
  name: p.name,
  kind: p.kind,
  base_url: p.baseUrl,
  ...secretColumns(p.apiKey),
  connect_timeout_ms: p.connectTimeoutMs,
  first_byte_timeout_ms: p.firstByteTimeoutMs,
  api_version: p.apiVersion,
  allow_internal: p.allowInternal,
});
const routeColumns = (r: HistoryRoute) => ({
  alias: r.alias,
  provider_id: r.providerId,
  upstream_model: r.upstreamModel,
  strict: r.strict,
});
const limitColumns = (l: HistoryLimit) => ({
  kind: l.kind,
  window: l.window,
  scope: l.scope,
  scope_id: l.scopeId,
  limit: l.limit,
  failure_policy: l.failurePolicy,
  mode: l.mode,
  on_unpriced: l.onUnpriced,
  stream_cutoff: l.streamCutoff,
});
const priceColumns = (p: HistoryPrice) => ({
  model: p.model,
  input_per_mtok: p.inputPerMTok,
  output_per_mtok: p.outputPerMTok,
  cached_input_per_mtok: p.cachedInputPerMTok,
});
const bump = { revision: sql<number>`revision + 1`, updated_at: sql<Date>`now()` };

/**
 * Unique names may swap between entities (provider A takes B's old name): moving every renamed row to a
 * placeholder first means no intermediate state breaks the unique constraints.
 */
async function parkRenamed(trx: Trx, plan: RollbackPlan): Promise<void> {
  for (const { before, after } of plan.providers.update) {
    if (before.name !== after.name) {
      await trx
        .updateTable("providers")
        .set({ name: `rollback-${after.id}` })
        .where("id", "=", after.id)
        .execute();
    }
  }
  for (const { before, after } of plan.routes.update) {
    if (before.alias !== after.alias) {
      await trx
        .updateTable("routes")
        .set({ alias: `rollback-${after.id}` })
        .where("id", "=", after.id)
        .execute();
    }
  }
  for (const { before, after } of plan.prices.update) {
    if (before.model !== after.model) {
      await trx
        .updateTable("prices")
        .set({ model: `rollback-${after.id}` })
        .where("id", "=", after.id)
        .execute();
    }
  }
}

/** Writes the plan in dependency order: routes out, providers in, routes in, providers out, limits, prices. */
async function write(trx: Trx, plan: RollbackPlan): Promise<void> {
  const { providers: p, routes: r, limits: l, prices: c } = plan;
  for (const x of r.remove) await trx.deleteFrom("routes").where("id", "=", x.id).execute();
  // Removed first, so a model a removed entry held is free for the one taking it.
  for (const x of c.remove) await trx.deleteFrom("prices").where("id", "=", x.id).execute();
  await parkRenamed(trx, plan);
  for (const x of p.create)
    await trx
      .insertInto("providers")
      .values({ id: x.id, ...providerColumns(x) })
      .execute();
  for (const { after } of p.update) {
    await trx
      .updateTable("providers")
      .set({ ...providerColumns(after), ...bump })
      .where("id", "=", after.id)
      .execute();
  }
  for (const x of r.create)
    await trx
      .insertInto("routes")
      .values({ id: x.id, ...routeColumns(x) })
      .execute();
  for (const { after } of r.update) {
    await trx
      .updateTable("routes")
      .set({ ...routeColumns(after), ...bump })
      .where("id", "=", after.id)
      .execute();
  }
  for (const x of p.remove) await trx.deleteFrom("providers").where("id", "=", x.id).execute();
  for (const x of l.remove) await trx.deleteFrom("limits").where("id", "=", x.id).execute();
  for (const x of l.create)
    await trx
      .insertInto("limits")
      .values({ id: x.id, ...limitColumns(x) })
      .execute();
  for (const { after } of l.update) {
    await trx
      .updateTable("limits")
      .set({ ...limitColumns(after), ...bump })
      .where("id", "=", after.id)
      .execute();
  }
  for (const { after } of c.update) {
    await trx
      .updateTable("prices")
      .set({ ...priceColumns(after), ...bump })
      .where("id", "=", after.id)
      .execute();
  }
  for (const x of c.create)
    await trx
      .insertInto("prices")
      .values({ id: x.id, ...priceColumns(x) })
      .execute();
}

/**
 * Applies a rollback plan in one transaction, so the next snapshot (built from the database as always) holds
 * all of it or none of it, and later writes start from the rolled-back rows. The plan was computed from the
 * state at `expectGeneration`; if anything committed since, the plan may be wrong, so the transaction is
 * rolled back with a `conflict` and the caller plans again. Returns the generation of the last change row.
 */
export async function applyRollback(
  db: Db,
  plan: RollbackPlan,
  expectGeneration: bigint,
): Promise<Result<{ generation: bigint }, DbError>> {
  return runWrite(db, "update", async (trx) => {
    await write(trx, plan);
    // The same lock change rows are appended under (config-changes.ts): after it, nothing else can commit.
    await sql`lock table config_changes in exclusive mode`.execute(trx);
    const { rows } = await sql<{ g: bigint }>`select coalesce(max(generation), 0) as g from config_changes`.execute(
      trx,
    );
    const now = BigInt(rows[0]?.g ?? 0);
    if (now !== expectGeneration) {
      return err({ kind: "conflict", message: "the configuration changed while the rollback was planned" });
    }
    if (isEmptyPlan(plan)) return ok({ generation: now });
    let generation = now;
    const touched: (readonly ["provider" | "route" | "limit" | "price", string, "create" | "update" | "delete"])[] = [
      ...plan.providers.create.map((x) => ["provider", x.id, "create"] as const),
      ...plan.providers.update.map((x) => ["provider", x.after.id, "update"] as const),
      ...plan.providers.remove.map((x) => ["provider", x.id, "delete"] as const),
      ...plan.routes.create.map((x) => ["route", x.id, "create"] as const),
      ...plan.routes.update.map((x) => ["route", x.after.id, "update"] as const),
      ...plan.routes.remove.map((x) => ["route", x.id, "delete"] as const),
      ...plan.limits.create.map((x) => ["limit", x.id, "create"] as const),
      ...plan.limits.update.map((x) => ["limit", x.after.id, "update"] as const),
      ...plan.limits.remove.map((x) => ["limit", x.id, "delete"] as const),
      ...plan.prices.create.map((x) => ["price", x.id, "create"] as const),
      ...plan.prices.update.map((x) => ["price", x.after.id, "update"] as const),
      ...plan.prices.remove.map((x) => ["price", x.id, "delete"] as const),
    ];
    for (const [kind, id, op] of touched) generation = await appendChange(trx, kind, id, op);
    return ok({ generation });
  });
}
