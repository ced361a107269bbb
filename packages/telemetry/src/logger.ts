import pino from "pino";

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
 * Field names whose values are credentials. They are censored wherever they appear in the first few
 * levels of a log object, so a header bag or a config object logged by mistake never leaks a key.
 */
const SECRET_FIELDS = [
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "cookie",
  "set-cookie",
  "apiKey",
  "token",
  "password",
];

/** How deep below the top level a secret field is still found; pino's redaction needs explicit paths. */
const REDACT_DEPTH = 3;

function redactPaths(): string[] {
  const paths: string[] = [];
  for (let depth = 0; depth <= REDACT_DEPTH; depth++) {
    const prefix = Array.from({ length: depth }, () => "*").join(".");
    for (const field of SECRET_FIELDS) {
      // Header names contain dashes, which pino's path syntax only accepts in bracket notation.
      const isIdentifier = /^[A-Za-z_$][\w$]*$/.test(field);
      const segment = isIdentifier ? field : `["${field}"]`;
      paths.push(prefix === "" ? segment : isIdentifier ? `${prefix}.${segment}` : `${prefix}${segment}`);
    }
  }
  return paths;
}

/** Creates a JSON logger with credential redaction applied to every line. */
export function createLogger(opts: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    name: opts.name,
    level: opts.level ?? "info",
    redact: { paths: redactPaths(), censor: "[redacted]" },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
