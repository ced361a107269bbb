import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox, parseMasterKey } from "./secret-box.ts";

describe("secret box", () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it("round-trips and never stores the plaintext", () => {
    const box = createSecretBox(new Map([["k1", k1]]), "k1");
    const sealed = box.seal("sk-upstream-secret");
    expect(sealed.keyId).toBe("k1");
    expect(sealed.ciphertext).not.toContain("sk-upstream-secret");
    expect(box.open(sealed)).toBe("sk-upstream-secret");
    expect(box.seal("same").ciphertext).not.toBe(box.seal("same").ciphertext);
  });

  it("opens secrets sealed by an older key after rotation", () => {
    const old = createSecretBox(new Map([["k1", k1]]), "k1");
    const sealed = old.seal("x");
    const rotated = createSecretBox(
      new Map([
        ["k1", k1],
        ["k2", k2],
      ]),
      "k2",
    );
    expect(rotated.open(sealed)).toBe("x");
    expect(rotated.seal("y").keyId).toBe("k2");
  });

  it("rejects tampering and relabelling", () => {
    const box = createSecretBox(
      new Map([
        ["k1", k1],
        ["k2", k1],
      ]),
      "k1",
    );
    const sealed = box.seal("secret");
    const parts = sealed.ciphertext.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => box.open({ ...sealed, ciphertext: parts.join(".") })).toThrow();
    expect(() => box.open({ ...sealed, keyId: "k2" })).toThrow();
  });

  it("parses hex and base64 master keys and rejects other lengths", () => {
    expect(parseMasterKey(k1.toString("hex")).equals(k1)).toBe(true);
    expect(parseMasterKey(k1.toString("base64")).equals(k1)).toBe(true);
    expect(() => parseMasterKey("short")).toThrow(/32 bytes/);
  });
});
