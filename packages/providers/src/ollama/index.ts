import { badRequest } from "../shared/bad-request.ts";
import { embeddingList } from "../shared/embedding-list.ts";
import { httpAdapter } from "../shared/http-adapter.ts";
import { isObject, type JsonObject, num } from "../shared/json.ts";
import type { HttpProviderAdapter } from "../types.ts";
import { ollamaUnsupported, openAIRequestToOllama } from "./request.ts";
import { ollamaResponseToOpenAI } from "./response.ts";
import { ollamaStreamDecoder } from "./stream-decoder.ts";

function embedBody(body: JsonObject, model: string): string {
  const input = body.input;
  const text = typeof input === "string" || (Array.isArray(input) && input.every((s) => typeof s === "string"));
  if (!text)
    badRequest("Ollama embeddings take text input only (a string or an array of strings), not token arrays.", "input");
  const out: JsonObject = { model, input };
  if (typeof body.dimensions === "number") out.dimensions = body.dimensions;
  return JSON.stringify(out);
}

/**
 * Ollama's native API (`/api/chat`, `/api/embed`) at its root URL (`http://host:11434`); its stream is
 * NDJSON, turned into the client's SSE. Ollama usually runs without authentication, so the key is
 * optional and sent as a bearer token when set (for Ollama behind an authenticating proxy).
 */
export const ollamaAdapter: HttpProviderAdapter = httpAdapter({
  kind: "ollama",
  dialect: "ollama",
  native: null,
  requiresApiKey: false,
  staticHeaders(spec) {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (spec.apiKey !== null && spec.apiKey !== "") headers.authorization = `Bearer ${spec.apiKey}`;
    return headers;
  },
  chat(req, target) {
    const body = JSON.stringify(openAIRequestToOllama(req, target.upstreamModel));
    return { request: { path: `${target.basePath}/api/chat`, headers: target.headers, body }, jsonTool: false };
  },
  unsupported: ollamaUnsupported,
  completion: (body, ctx) => ollamaResponseToOpenAI(body, ctx.created),
  streamDecoder: (sink, ctx) => ollamaStreamDecoder(sink, ctx),
  embeddings: {
    request: (body, target) => ({
      path: `${target.basePath}/api/embed`,
      headers: target.headers,
      body: embedBody(body, target.upstreamModel),
    }),
    response(body, model, encodingFormat) {
      if (!isObject(body) || !Array.isArray(body.embeddings)) throw new Error("not an Ollama embed response");
      return embeddingList(body.embeddings as number[][], model, num(body.prompt_eval_count) ?? 0, encodingFormat);
    },
  },
});
