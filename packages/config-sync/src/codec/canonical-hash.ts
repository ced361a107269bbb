import { createHash } from "node:crypto";
import { type ConfigSnapshot, omittedFromCanonical } from "@switchyard/policy";

/** Text is handed to the hash in pieces of about this size instead of as one string of tens of megabytes. */
const FLUSH_CHARS = 1 << 16;

/**
 * The lowercase hex SHA-256 of `canonicalJson(config)` (policy's canonical form), computed without building
 * the whole text: entities are written one by one into the hash, and each object shape's sorted key list is
 * worked out once instead of sorting the keys of every one of 300,000 entities. The output must stay byte for
 * byte what canonicalJson produces (new fields at their defaults left out, as there); codec.test.ts checks that
 * on varied snapshots.
 */
export function canonicalSha256(config: ConfigSnapshot): string {
  const hash = createHash("sha256");
  const sortedKeys = new Map<string, string[]>();
  let buf = "";

  const write = (value: unknown): void => {
    if (value === null || typeof value !== "object") {
      buf += typeof value === "bigint" ? JSON.stringify(value.toString()) : JSON.stringify(value);
    } else if (Array.isArray(value)) {
      buf += "[";
      for (let i = 0; i < value.length; i++) {
        if (i > 0) buf += ",";
        write(value[i]);
        if (buf.length > FLUSH_CHARS) {
          hash.update(buf);
          buf = "";
        }
      }
      buf += "]";
    } else {
      const record = value as Record<string, unknown>;
      const own = Object.keys(record);
      const shape = own.join("\u0000");
      let keys = sortedKeys.get(shape);
      if (!keys) {
        keys = [...own].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        sortedKeys.set(shape, keys);
      }
      buf += "{";
      let first = true;
      for (const k of keys) {
        const v = record[k];
        if (omittedFromCanonical(k, v)) continue;
        buf += first ? `${JSON.stringify(k)}:` : `,${JSON.stringify(k)}:`;
        first = false;
        write(v);
      }
      buf += "}";
    }
  };

  write(config);
  hash.update(buf);
  return hash.digest("hex");
}
