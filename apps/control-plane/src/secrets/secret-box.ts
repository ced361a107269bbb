import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** A sealed secret as stored: `v1.<iv>.<tag>.<ciphertext>` (base64url parts) and the id of the key that sealed it. */
export interface SealedSecret {
  readonly ciphertext: string;
  readonly keyId: string;
}

/** Encrypts and decrypts provider credentials at rest with AES-256-GCM. */
export interface SecretBox {
  seal(plaintext: string): SealedSecret;
  open(sealed: SealedSecret): string;
}

/**
 * Parses a master key given as 64 hex characters or base64 of exactly 32 bytes. Throws naming the problem,
 * never echoing the value.
 */
export function parseMasterKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new Error("MASTER_KEY must be 32 bytes, as 64 hex characters or base64");
  return key;
}

/**
 * Builds a secret box. `keys` maps key ids to 32-byte keys; new secrets are sealed with `activeKeyId`, and any
 * listed key can open, so the master key can rotate: add the new key, re-seal, then drop the old one.
 * The key id is bound into the ciphertext as additional data, so a ciphertext cannot be relabelled.
 */
export function createSecretBox(keys: ReadonlyMap<string, Buffer>, activeKeyId: string): SecretBox {
  const active = keys.get(activeKeyId);
  if (active?.length !== 32) throw new Error(`master key ${activeKeyId} is missing or not 32 bytes`);
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", active, iv);
      cipher.setAAD(Buffer.from(activeKeyId));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return {
        ciphertext: ["v1", iv.toString("base64url"), tag.toString("base64url"), body.toString("base64url")].join("."),
        keyId: activeKeyId,
      };
    },
    open(sealed) {
      const key = keys.get(sealed.keyId);
      if (!key) throw new Error(`no master key with id ${sealed.keyId}`);
      const [v, iv, tag, body] = sealed.ciphertext.split(".");
      if (v !== "v1" || !iv || !tag || body === undefined) throw new Error("malformed sealed secret");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(sealed.keyId));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}
