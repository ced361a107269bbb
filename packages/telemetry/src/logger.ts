import pino from "pino";
import { batchedDestination } from "./batched-destination.ts";
import { redactSecrets } from "./redact-secrets.ts";

/** The structured logger every Switchyard process and package writes through. */
export type Logger = pino.Logger;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Process or component name, written on every line as `name`. */
  name: string;
  /** Minimum level; defaults to "info". */
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was written. */
  destination?: pino.DestinationStream;
}

/**
 * Creates a JSON logger with credential redaction applied to every line and to child bindings. Lines go to
 * stdout through {@link batchedDestination}: one asynchronous write per event-loop turn, so a request never
 * waits on a write (and a slow log reader never stalls the event loop), flushed synchronously at exit.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    name: opts.name,
    level: opts.level ?? "info",
    formatters: { log: redactSecrets, bindings: redactSecrets },
  };
  const logger = pino(options, opts.destination ?? batchedDestination());
  // pino applies `formatters.bindings` to the root's bindings only, never to a child's. Children are created
  // with Object.create(parent), so this one override covers children of children as well.
  const child = logger.child;
  logger.child = function redactingChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as typeof logger.child;
  return logger;
}
