/**
 * Field names whose values are credentials. They are censored wherever they appear in the first few levels
 * of a log object, so a header bag or a config object logged by mistake never leaks a key.
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "cookie",
  "set-cookie",
  "apiKey",
  "token",
  "password",
]);

/** How deep below the top level a secret field is still found (0 = top-level fields only). */
export const REDACT_DEPTH = 3;

/** What a censored value is replaced by. */
export const CENSOR = "[redacted]";

/** Objects worth walking: not primitives, not byte buffers (whose indices would be walked one by one). */
function walkable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);
}

/** An error keeps its name and message when it has to be copied; its stack is never worth a leak. */
function base(obj: Record<string, unknown>): Record<string, unknown> {
  if (obj instanceof Error) return { type: obj.name, message: obj.message };
  return Array.isArray(obj) ? ([] as unknown as Record<string, unknown>) : {};
}

function walk(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | null = null;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    let next = value;
    if (SECRET_FIELDS.has(key)) next = CENSOR;
    else if (depth < REDACT_DEPTH && walkable(value)) next = walk(value, depth + 1);
    if (next !== value && copy === null) {
      copy = base(obj);
      // Copy the keys before this one; the rest are copied as the loop goes on.
      for (const k of Object.keys(obj)) {
        if (k === key) break;
        copy[k] = obj[k];
      }
    }
    if (copy !== null) copy[key] = next;
  }
  return copy ?? obj;
}

/**
 * Returns `obj` itself when no secret field occurs in its first {@link REDACT_DEPTH} + 1 levels, else a copy
 * with those fields censored (copy-on-write: the caller's objects are never changed). A single walk over the
 * keys, which costs well under a microsecond for a typical log line, where pino's path-based redaction with
 * wildcards cost about 20 µs per line: too much for one access-log line per request.
 */
export function redactSecrets<T extends object>(obj: T): T {
  return walkable(obj) ? (walk(obj as Record<string, unknown>, 0) as T) : obj;
}
