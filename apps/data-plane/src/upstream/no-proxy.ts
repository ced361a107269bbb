/** One `NO_PROXY` entry split into a name and an optional port (`host:port`, `[v6]:port`). */
function splitEntry(raw: string): { name: string; port: number | null } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (bracketed) return { name: bracketed[1]!, port: bracketed[2] === undefined ? null : Number(bracketed[2]) };
  const parts = raw.split(":");
  if (parts.length === 2 && /^\d+$/.test(parts[1]!)) return { name: parts[0]!, port: Number(parts[1]) };
  return { name: raw, port: null };
}

/**
 * Whether `host:port` bypasses the outbound proxy under a `NO_PROXY` list, read the way curl and undici read it:
 * `*` matches everything; `example.com`, `.example.com` and `*.example.com` match that domain and every name
 * below it; an entry with `:port` matches only that port; IP literals match exactly (no CIDR ranges).
 */
export function bypassesProxy(noProxy: readonly string[], host: string, port: number): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  for (const raw of noProxy) {
    if (raw === "*") return true;
    const entry = splitEntry(raw);
    if (entry.port !== null && entry.port !== port) continue;
    const domain = entry.name.replace(/^\*?\./, "");
    if (domain !== "" && (h === domain || h.endsWith(`.${domain}`))) return true;
  }
  return false;
}

/** A `NO_PROXY` value (comma- or space-separated) as a list of lower-case entries. */
export function parseNoProxy(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[\s,]+/)
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "");
}
