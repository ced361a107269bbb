import type { ProviderSpec } from "@switchyard/policy";
import { ANTHROPIC_API_VERSION } from "../kinds.ts";
import { httpAdapter } from "../shared/http-adapter.ts";
import type { HttpProviderAdapter } from "../types.ts";
import { anthropicMessageToOpenAI } from "./response.ts";
import { anthropicStreamDecoder } from "./stream-decoder.ts";
import { anthropicUnsupported, openAIRequestToAnthropic } from "./upstream-request.ts";

/** Client headers a same-format call forwards: the client chose the API version and betas it was written for. */
const FORWARDED = ["anthropic-version", "anthropic-beta"] as const;

/**
 * Anthropic's Messages API. The base URL includes the version path (`https://api.anthropic.com/v1`); the key
 * goes in `x-api-key`. Anthropic clients pass through unchanged (with their own `anthropic-version` and
 * `anthropic-beta`); OpenAI clients are translated, and those requests are written for {@link ANTHROPIC_API_VERSION}.
 */
export const anthropicAdapter: HttpProviderAdapter = httpAdapter({
  kind: "anthropic",
  dialect: "anthropic",
  native: "anthropic",
  requiresApiKey: true,
  staticHeaders(spec: ProviderSpec) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
      "anthropic-version": ANTHROPIC_API_VERSION,
    };
    if (spec.apiKey !== null && spec.apiKey !== "") headers["x-api-key"] = spec.apiKey;
    return headers;
  },
  nativeChat(body, target, call) {
    const headers = { ...target.headers };
    for (const h of FORWARDED) {
      const v = call.headers?.[h];
      if (v !== undefined && v !== "") headers[h] = v;
    }
    return {
      path: `${target.basePath}/messages`,
      headers,
      body: JSON.stringify({ ...body, model: target.upstreamModel }),
    };
  },
  chat(req, target) {
    const { body, jsonTool } = openAIRequestToAnthropic(req, target.upstreamModel);
    return {
      request: { path: `${target.basePath}/messages`, headers: target.headers, body: JSON.stringify(body) },
      jsonTool,
    };
  },
  unsupported: anthropicUnsupported,
  completion: (body, ctx) => anthropicMessageToOpenAI(body, ctx.jsonTool, ctx.created),
  streamDecoder: (sink, ctx) => anthropicStreamDecoder(sink, ctx),
});
