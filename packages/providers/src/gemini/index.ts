import type { ProviderSpec } from "@switchyard/policy";
import { httpAdapter } from "../shared/http-adapter.ts";
import type { HttpProviderAdapter } from "../types.ts";
import { geminiEmbeddingsRequest, geminiEmbeddingsResponse, geminiModelPath } from "./embeddings.ts";
import { geminiUnsupported, openAIRequestToGemini } from "./request.ts";
import { geminiResponseToOpenAI } from "./response.ts";
import { geminiStreamDecoder } from "./stream-decoder.ts";

/**
 * Google's Gemini API (`https://generativelanguage.googleapis.com/v1beta`). The key travels in the
 * `x-goog-api-key` header, never in the URL (where it would reach access logs); streams use
 * `streamGenerateContent?alt=sse`. Every client format is translated through OpenAI's.
 */
export const geminiAdapter: HttpProviderAdapter = httpAdapter({
  kind: "gemini",
  dialect: "gemini",
  native: null,
  requiresApiKey: true,
  staticHeaders(spec: ProviderSpec) {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (spec.apiKey !== null && spec.apiKey !== "") headers["x-goog-api-key"] = spec.apiKey;
    return headers;
  },
  chat(req, target) {
    const model = geminiModelPath(target.upstreamModel);
    const method = req.stream === true ? "streamGenerateContent?alt=sse" : "generateContent";
    const body = JSON.stringify(openAIRequestToGemini(req));
    return {
      request: { path: `${target.basePath}/${model}:${method}`, headers: target.headers, body },
      jsonTool: false,
    };
  },
  unsupported: geminiUnsupported,
  completion: (body, ctx) => geminiResponseToOpenAI(body, ctx.created),
  streamDecoder: (sink, ctx) => geminiStreamDecoder(sink, ctx),
  embeddings: { request: geminiEmbeddingsRequest, response: geminiEmbeddingsResponse },
});
