import type { JsonObject } from "./json.ts";

/** Float32 little-endian bytes in base64: OpenAI's `encoding_format: "base64"` (the OpenAI SDK's default). */
export function float32Base64(values: readonly number[]): string {
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** OpenAI's embeddings list from plain vectors, in the encoding the client asked for. */
export function embeddingList(
  vectors: readonly number[][],
  model: string,
  promptTokens: number,
  encodingFormat: unknown,
): JsonObject {
  const base64 = encodingFormat === "base64";
  return {
    object: "list",
    data: vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? float32Base64(v) : v })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
