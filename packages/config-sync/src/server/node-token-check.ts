import { createHash, timingSafeEqual } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Builds the check for a stream's `authorization: Bearer <token>` metadata against any of the configured node
 * tokens. Comparing SHA-256 digests gives equal-length inputs to timingSafeEqual, so neither a token's content
 * nor its length leaks through timing; every token is compared, so neither does which one matched.
 * Several tokens are accepted at once so they can be rotated with an overlap: the check answers which one
 * matched (0 = the current token), or -1 for none.
 */
export function createNodeTokenCheck(tokens: readonly string[]): (metadata: Metadata) => number {
  if (tokens.length === 0 || tokens.some((t) => t.length === 0)) {
    throw new Error("config server needs at least one node token, and none may be empty");
  }
  const expected = tokens.map(digest);
  return (metadata) => {
    const values = metadata.get("authorization");
    const header = values.length === 1 && typeof values[0] === "string" ? values[0] : "";
    const token = BEARER.exec(header)?.[1];
    if (!token) return -1;
    const presented = digest(token);
    let match = -1;
    for (let i = expected.length - 1; i >= 0; i--) {
      // Every token is compared, lowest index wins: which one matched does not show in the timing.
      if (timingSafeEqual(presented, expected[i] as Buffer)) match = i;
    }
    return match;
  };
}
