/** A parsed JSON object whose fields are not known yet. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The string, or undefined for anything else. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** The finite number, or undefined for anything else. */
export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Parses JSON text, or undefined when it is not JSON; upstream bodies are not trusted to be well formed. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Copies the listed fields that are present (not undefined) from one object to a new one, renaming them. */
export function pick(from: JsonObject, names: Readonly<Record<string, string>>): JsonObject {
  const out: JsonObject = {};
  for (const [src, dst] of Object.entries(names)) if (from[src] !== undefined) out[dst] = from[src];
  return out;
}

/** Drops undefined fields, so a translated body serialises exactly the fields that were set. */
export function compact<T extends JsonObject>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
