import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { err, ok, type Result } from "@switchyard/errors";

/** File format marker and version; also authenticated as associated data, so it cannot be swapped. */
const MAGIC = Buffer.from("SWITCHYARD-LKG-1\n", "ascii");
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The key of the last-known-good file: SNAPSHOT_KEY when set, otherwise derived from the node token with
 * HKDF-SHA256. Deriving means the file is protected with no extra secret to distribute, by a secret the node
 * already must hold to join the fleet; the price is that rotating the node token makes old files unreadable
 * (they are then discarded, and the node waits for the control plane), which SNAPSHOT_KEY avoids.
 */
export function snapshotFileKey(explicit: Buffer | null, nodeToken: string): Buffer {
  if (explicit) return explicit;
  return Buffer.from(hkdfSync("sha256", nodeToken, "switchyard/last-known-good", "aes-256-gcm file key v1", 32));
}

/** Encrypts `plain` with AES-256-GCM under a fresh random IV: `MAGIC | iv | tag | ciphertext`. */
export function sealSnapshot(key: Buffer, plain: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(MAGIC);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

/**
 * Decrypts what {@link sealSnapshot} wrote. A wrong key and a changed byte are indistinguishable by design
 * (GCM authenticates everything), so both are reported as one reason.
 */
export function openSnapshot(key: Buffer, data: Buffer): Result<Buffer, string> {
  if (data.length < MAGIC.length + IV_BYTES + TAG_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    return err("not a last-known-good snapshot file (unknown format or truncated)");
  }
  const iv = data.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
  const tag = data.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
  const body = data.subarray(MAGIC.length + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(MAGIC);
    decipher.setAuthTag(tag);
    return ok(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch {
    return err("cannot be decrypted (a different key, or the file was altered or corrupted)");
  }
}
