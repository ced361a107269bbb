import { badRequest } from "../shared/bad-request.ts";
import { embeddingList } from "../shared/embedding-list.ts";
import { isObject, type JsonObject } from "../shared/json.ts";
import type { UpstreamRequest, UpstreamTarget } from "../types.ts";

/** The resource name of a model: a bare name means `models/<name>`; tuned models keep their own prefix. */
export function geminiModelPath(model: string): string {
  const name = model.includes("/") ? model : `models/${model}`;
  return name.split("/").map(encodeURIComponent).join("/");
}

function inputs(input: unknown): string[] {
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.every((s) => typeof s === "string")) return input;
  return badRequest(
    "Gemini embeddings take text input only (a string or an array of strings), not token arrays.",
    "input",
  );
}

/** An OpenAI embeddings request as Gemini's `batchEmbedContents`, one request per input. */
export function geminiEmbeddingsRequest(body: JsonObject, target: UpstreamTarget): UpstreamRequest {
  const model = geminiModelPath(target.upstreamModel);
  const requests = inputs(body.input).map((text) => {
    const r: JsonObject = { model: decodeURIComponent(model), content: { parts: [{ text }] } };
    if (typeof body.dimensions === "number") r.outputDimensionality = body.dimensions;
    return r;
  });
  return {
    path: `${target.basePath}/${model}:batchEmbedContents`,
    headers: target.headers,
    body: JSON.stringify({ requests }),
  };
}

/** Gemini's embeddings as OpenAI's list. Gemini reports no token counts, so usage is zero. */
export function geminiEmbeddingsResponse(body: unknown, model: string, encodingFormat: unknown): JsonObject {
  if (!isObject(body) || !Array.isArray(body.embeddings)) throw new Error("not a Gemini embeddings response");
  const vectors = body.embeddings.map((e) => (isObject(e) && Array.isArray(e.values) ? (e.values as number[]) : []));
  return embeddingList(vectors, model, 0, encodingFormat);
}
