import type { ProviderSpec } from "@switchyard/policy";
import type { AdapterKind } from "../kinds.ts";
import type { HttpProviderAdapter, UpstreamTarget } from "../types.ts";
import { httpAdapter } from "./http-adapter.ts";
import { isObject, type JsonObject } from "./json.ts";
import { unknownFields } from "./known-fields.ts";
import { openAIStreamDecoder } from "./openai-stream-decoder.ts";
import type { OpenAICompletion } from "./openai-types.ts";

/** Options that distinguish the OpenAI-format kinds from each other. */
export interface OpenAIFormatOptions {
  readonly kind: AdapterKind;
  /** Whether a provider of this kind cannot work without a credential. */
  readonly requiresApiKey: boolean;
  /** The path of an operation (`chat/completions`, `embeddings`) for a target; OpenAI's layout by default. */
  readonly path?: (operation: "chat/completions" | "embeddings", target: UpstreamTarget) => string;
  /** The credential headers; `authorization: Bearer` by default. */
  readonly auth?: (apiKey: string) => Record<string, string>;
  /**
   * Whether the upstream is OpenAI's own API (or Azure's copy of it): translated requests then use
   * `max_completion_tokens`, which OpenAI's reasoning models require, and drop fields OpenAI rejects
   * (`top_k`). Other servers get `max_tokens`, which every OpenAI-compatible server knows, and `top_k`.
   */
  readonly strictOpenAI: boolean;
}

const openAIPath = (operation: string, target: UpstreamTarget) => `${target.basePath}/${operation}`;

/** OpenAI fields an Anthropic client's translated request may carry that OpenAI's own API rejects. */
const NOT_ON_OPENAI = new Set(["top_k"]);

/** An adapter for an upstream that speaks OpenAI's wire format, differing only in addressing and auth. */
export function openAIFormatAdapter(opts: OpenAIFormatOptions): HttpProviderAdapter {
  const path = opts.path ?? openAIPath;
  const auth = opts.auth ?? ((k: string) => ({ authorization: `Bearer ${k}` }));
  const request = (operation: "chat/completions" | "embeddings", body: JsonObject, target: UpstreamTarget) => ({
    path: path(operation, target),
    headers: target.headers,
    body: JSON.stringify({ ...body, model: target.upstreamModel }),
  });
  return httpAdapter({
    kind: opts.kind,
    dialect: "openai",
    native: "openai",
    requiresApiKey: opts.requiresApiKey,
    staticHeaders(spec: ProviderSpec) {
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
      if (spec.apiKey !== null && spec.apiKey !== "") Object.assign(headers, auth(spec.apiKey));
      return headers;
    },
    nativeChat(body, target) {
      // The gateway always wants usage at the end of a stream; the extra chunk is removed again on the way
      // back when the client did not ask for it.
      if (body.stream === true) {
        const so = isObject(body.stream_options) ? body.stream_options : {};
        return request("chat/completions", { ...body, stream_options: { ...so, include_usage: true } }, target);
      }
      return request("chat/completions", body, target);
    },
    chat(req, target) {
      const body: JsonObject = { ...req };
      if (opts.strictOpenAI) for (const k of NOT_ON_OPENAI) delete body[k];
      else if (body.max_completion_tokens !== undefined) {
        body.max_tokens = body.max_completion_tokens;
        delete body.max_completion_tokens;
      }
      return { request: request("chat/completions", body, target), jsonTool: false };
    },
    unsupported: (req) =>
      opts.strictOpenAI ? unknownFields(req, new Set(Object.keys(req)), (k) => NOT_ON_OPENAI.has(k)) : [],
    completion(body) {
      if (!isObject(body) || !Array.isArray(body.choices)) throw new Error("not a chat completion");
      return body as unknown as OpenAICompletion;
    },
    streamDecoder: (sink) => openAIStreamDecoder(sink),
    embeddings: { request: (body, target) => request("embeddings", body, target) },
  });
}
