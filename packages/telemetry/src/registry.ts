import { collectDefaultMetrics, Registry } from "prom-client";

/** Options for {@link createRegistry}. */
export interface RegistryOptions {
  /** Which app this process is ("control-plane", "data-plane"); added as the `app` label on every metric. */
  app: string;
}

/**
 * Creates the one metrics registry of a process, with Node's default process metrics on it.
 * Apps call this in main.ts and pass the registry to every package that records metrics.
 */
export function createRegistry(opts: RegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: opts.app });
  collectDefaultMetrics({ register: registry });
  return registry;
}
