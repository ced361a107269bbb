/**
 * Gemini's function calls have no ids, and Gemini 3 models require each call's `thoughtSignature` back on
 * the next turn. OpenAI and Anthropic clients echo tool call ids faithfully, so the id carries both: a
 * unique part from the response id and call number, and the signature in base64url after a marker.
 */
const MARKER = "__ts__";

function toBase64Url(b64: string): string {
  return b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s: string): string {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  return b64 + "=".repeat((4 - (b64.length % 4)) % 4);
}

/** The id of the n-th function call of a response, carrying its thought signature when it has one. */
export function geminiToolCallId(responseId: string, n: number, signature: string | undefined): string {
  const base = `call_${responseId.replace(/[^A-Za-z0-9]/g, "")}_${n}`;
  return signature ? `${base}${MARKER}${toBase64Url(signature)}` : base;
}

/** The thought signature carried by a tool call id, if any. */
export function thoughtSignatureOf(id: string): string | undefined {
  const at = id.indexOf(MARKER);
  return at === -1 ? undefined : fromBase64Url(id.slice(at + MARKER.length));
}
