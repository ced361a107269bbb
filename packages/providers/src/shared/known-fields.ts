import type { JsonObject } from "./json.ts";

/**
 * The top-level fields of a request that a translator does not carry over: everything not in `known`,
 * plus known fields whose value the target cannot honour (`refuse` says which). Strict mode rejects these;
 * the default drops them.
 */
export function unknownFields(
  body: JsonObject,
  known: ReadonlySet<string>,
  refuse: (name: string, value: unknown) => boolean = () => false,
): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined || v === null) continue;
    if (!known.has(k) || refuse(k, v)) out.push(k);
  }
  return out;
}
