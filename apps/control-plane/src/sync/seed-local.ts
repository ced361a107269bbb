import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Db } from "@switchyard/db";
import { apiKeys, consumers, providers, routes } from "@switchyard/db";
import type { Logger } from "@switchyard/telemetry";
import { generateKey, hashKey } from "../routes/keys/generate-key.ts";

/** The model alias local mode seeds, answered by the built-in mock provider. */
export const LOCAL_MOCK_ALIAS = "mock-gpt";

/**
 * Seeds local mode (and only local mode): a `mock` provider, the `mock-gpt` route, a `local-dev` consumer
 * and an API key kept in the data folder. Runs only on an empty database, and logs what it created.
 * Returns the API key text for the printed curl, or null when the database was seeded by hand.
 */
export async function seedLocal(db: Db, apiKeyFile: string, logger: Logger): Promise<string | null> {
  const existing = await providers.list(db, { limit: 1 });
  if (existing.items.length > 0) {
    return existsSync(apiKeyFile) ? readFileSync(apiKeyFile, "utf8").trim() : null;
  }
  const provider = await providers.create(db, {
    name: "mock",
    kind: "mock",
    baseUrl: null,
    apiKey: null,
    connectTimeoutMs: 5_000,
    firstByteTimeoutMs: 60_000,
  });
  if (!provider.ok) throw new Error(`seeding the mock provider failed: ${provider.error.message}`);
  const route = await routes.create(db, {
    alias: LOCAL_MOCK_ALIAS,
    providerId: provider.value.record.id,
    upstreamModel: LOCAL_MOCK_ALIAS,
  });
  if (!route.ok) throw new Error(`seeding the mock route failed: ${route.error.message}`);
  const consumer = await consumers.create(db, { name: "local-dev", metadata: { seeded: true }, enabled: true });
  if (!consumer.ok) throw new Error(`seeding the local consumer failed: ${consumer.error.message}`);
  const key = generateKey();
  const created = await apiKeys.createKey(db, {
    consumerId: consumer.value.record.id,
    name: "local-dev",
    prefix: key.prefix,
    hash: hashKey(key.text),
  });
  if (!created.ok) throw new Error(`seeding the local key failed: ${created.error.message}`);
  writeFileSync(apiKeyFile, `${key.text}\n`, { mode: 0o600 });
  logger.info(
    { alias: LOCAL_MOCK_ALIAS, consumer: "local-dev", keyPrefix: key.prefix, keyFile: apiKeyFile },
    "local mode: seeded the mock provider, the mock-gpt route and a local-dev consumer with an API key",
  );
  return key.text;
}
