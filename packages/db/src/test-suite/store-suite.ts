import { apiKeysSuite } from "./api-keys-suite.ts";
import { configSuite } from "./config-suite.ts";
import { consumersSuite } from "./consumers-suite.ts";
import { fleetSuite } from "./fleet-suite.ts";
import { groupsSuite } from "./groups-suite.ts";
import type { FreshDb } from "./helpers.ts";
import { historySuite } from "./history-suite.ts";
import { limitsSuite } from "./limits-suite.ts";
import { pricesSuite } from "./prices-suite.ts";
import { providersSuite } from "./providers-suite.ts";
import { routesSuite } from "./routes-suite.ts";
import { usageSuite } from "./usage-suite.ts";

/**
 * The whole store contract. Each engine's test file calls this with its own `fresh`, so PostgreSQL and
 * PGlite are held to exactly the same tests. Every inner suite asks for its own empty database.
 */
export function storeSuite(fresh: FreshDb): void {
  providersSuite(fresh);
  routesSuite(fresh);
  consumersSuite(fresh);
  apiKeysSuite(fresh);
  limitsSuite(fresh);
  groupsSuite(fresh);
  pricesSuite(fresh);
  configSuite(fresh);
  fleetSuite(fresh);
  historySuite(fresh);
  usageSuite(fresh);
}
