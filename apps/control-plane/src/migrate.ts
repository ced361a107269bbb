/**
 * `node apps/control-plane/src/migrate.ts`: brings the database schema to this release and exits, for a
 * Kubernetes Job (or any deploy step) that runs before the control plane starts. Migrations only expand the
 * schema and take a lock, so running this while older control planes serve, or twice at once, is safe.
 * Needs only DATABASE_URL (and LOG_LEVEL); exits 0 when the schema is current, 1 otherwise.
 */
import { createDb, isSchemaCurrent, migrateToLatest } from "@switchyard/db";
import { createLogger } from "@switchyard/telemetry";
import { z } from "zod";

const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

async function migrate(): Promise<void> {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(
      `invalid environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const logger = createLogger({ name: "control-plane-migrate", level: parsed.data.LOG_LEVEL });
  const db = createDb({ url: parsed.data.DATABASE_URL }, 2);
  try {
    await migrateToLatest(db);
    if (!(await isSchemaCurrent(db))) throw new Error("schema is not current after migrating");
    logger.info({}, "database schema is current");
  } finally {
    await db.close();
  }
}

migrate().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`migration failed: ${e.message}\n`);
    process.exit(1);
  },
);
