import { createHash, randomBytes } from "node:crypto";

/** The fixed start of every Switchyard key, so secret scanners and humans recognise one. */
export const KEY_PREFIX = "sk-sy-";

/** A freshly generated key: the text (shown once), its visible prefix, and the hash that is stored. */
export interface GeneratedKey {
  text: string;
  prefix: string;
  hash: string;
}

/** SHA-256 hex of a key's text: what data planes look keys up by. Keys carry 192 random bits, so a fast
 * hash is safe here, and a slow password hash would cost every request. */
export function hashKey(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Generates a key with 192 random bits: `sk-sy-` followed by 32 base64url characters. */
export function generateKey(): GeneratedKey {
  const text = KEY_PREFIX + randomBytes(24).toString("base64url");
  return { text, prefix: text.slice(0, KEY_PREFIX.length + 6), hash: hashKey(text) };
}
