/** Deterministic small embedding vectors for the fakes: the same text always gets the same vector. */
export function fakeVector(text: string, dims = 4): number[] {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Array.from({ length: dims }, (_, i) => ((h >>> (i * 8)) & 0xff) / 256 - 0.5);
}

/** Float32 little-endian bytes in base64, OpenAI's `encoding_format: "base64"`. */
export function vectorBase64(v: number[]): string {
  return Buffer.from(new Float32Array(v).buffer).toString("base64");
}

/** The texts of an embeddings `input` (string or string array). */
export function inputTexts(input: unknown): string[] {
  if (typeof input === "string") return [input];
  return Array.isArray(input) ? input.map(String) : [];
}
