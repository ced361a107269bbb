import type { MiddlewareHandler } from "hono";
import pino from "pino";
import type { Logger } from "./logger.ts";
import type { RequestIdVariables } from "./request-id.ts";
import { methodLabel, routeLabel } from "./request-labels.ts";

/** Options for {@link accessLog}. */
export interface AccessLogOptions {
  /** Where the lines go; usually a child of the process logger. */
  logger: Logger;
}

/** One access line: what was asked (method and route pattern, never the URL), the answer and its time. */
export interface AccessLine {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  requestId: string | null;
}

/** Writes an access line; server errors are worth an alert, everything else is routine traffic. */
export function logRequest(logger: Logger, line: AccessLine): void {
  if (line.status >= 500) logger.error(line, "request");
  else logger.info(line, "request");
}

/** The pino internals the fast access line reads; all are pino's public `symbols`. */
type PinoInternals = Record<symbol, unknown>;

/** Writes one access line; see {@link accessLineWriter}. */
export type AccessLineWriter = (line: AccessLine) => void;

/**
 * {@link logRequest} for one logger, with a fast path for the routine line. pino builds a line by walking the
 * object's keys and choosing a serialiser for each; an access line always has the same five fields, so the
 * writer builds it from pino's own pieces (its cached level prefix, its time function, the logger's rendered
 * bindings, its end-of-line) and hands it to pino's stream: byte for byte the line pino writes
 * (access-log.test.ts compares them), without pino's per-key walk (about 4.7 µs per request in the data
 * plane's `npm run bench -- --perf` breakdown before, gone after). The field names are fixed and none is a
 * secret's, so redaction has nothing to do. Server errors (level `error`), a level above `info`, and a logger
 * with options this shortcut does not reproduce (mixins, a nested key, a message prefix or key, stream hooks)
 * go through pino itself.
 */
export function accessLineWriter(logger: Logger): AccessLineWriter {
  const l = logger as unknown as PinoInternals;
  const s = pino.symbols;
  const levelPrefix = (l[s.lsCacheSym] as Record<number, string> | undefined)?.[30];
  const time = l[s.timeSym] as (() => string) | undefined;
  const stream = l[s.streamSym] as { write(line: string): unknown } | undefined;
  const end = l[s.endSym];
  const hooks = l[s.hooksSym] as { streamWrite?: unknown } | undefined;
  // pino has the symbol, its type declarations do not list it.
  const msgPrefix = (s as unknown as { msgPrefixSym?: symbol }).msgPrefixSym;
  const fast =
    typeof levelPrefix === "string" &&
    typeof time === "function" &&
    typeof stream?.write === "function" &&
    typeof end === "string" &&
    l[s.messageKeySym] === "msg" &&
    !l[s.nestedKeySym] &&
    !l[s.mixinSym] &&
    (msgPrefix === undefined || !l[msgPrefix]) &&
    !hooks?.streamWrite &&
    logger.levels.values.info === 30;
  if (!fast) return (line) => logRequest(logger, line);
  return (line) => {
    if (line.status >= 500 || logger.levelVal > 30) {
      logRequest(logger, line);
      return;
    }
    // The bindings are read per line: a child's differ from its parent's, and `setBindings` can change them.
    const bindings = l[s.chindingsSym] as string;
    stream.write(
      `${levelPrefix}${time()}${bindings},"method":${JSON.stringify(line.method)},"route":${JSON.stringify(line.route)},"status":${line.status},"durationMs":${Number.isFinite(line.durationMs) ? line.durationMs : null},"requestId":${line.requestId === null ? "null" : JSON.stringify(line.requestId)},"msg":"request"${end}`,
    );
  };
}

/** Milliseconds rounded to microseconds, as access lines carry them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Middleware that logs one line per request: method, route pattern, status, duration and request id.
 * It deliberately logs the pattern instead of the URL (query strings can carry keys or prompt text)
 * and no headers or bodies at all. Mount it after {@link requestId} so the id is known.
 */
export function accessLog(opts: AccessLogOptions): MiddlewareHandler<{ Variables: Partial<RequestIdVariables> }> {
  const write = accessLineWriter(opts.logger);
  return async function accessLogMiddleware(c, next) {
    const started = performance.now();
    const ownIndex = c.req.routeIndex;
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      write({
        method: methodLabel(c.req.method),
        route: routeLabel(c, ownIndex),
        status,
        durationMs: roundMs(performance.now() - started),
        requestId: c.var.requestId ?? null,
      });
    }
  };
}
