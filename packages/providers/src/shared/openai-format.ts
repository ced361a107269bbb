import type { ProviderKind, ProviderSpec } from "@switchyard/policy";
import type {
  ChatCompletionRequest,
  HttpProviderAdapter,
  ResponseTransformer,
  UpstreamRequest,
  UpstreamTarget,
} from "../types.ts";

/** The one identity transformer: OpenAI-format upstreams already answer in the client's format. */
const IDENTITY: ResponseTransformer = Object.freeze({
  onChunk: (bytes: Uint8Array) => bytes,
  onEnd: () => null,
});

/** Options that distinguish the OpenAI-format kinds from each other. */
export interface OpenAIFormatOptions {
  readonly kind: ProviderKind;
  /** Whether a provider of this kind cannot work without a credential. */
  readonly requiresApiKey: boolean;
}

/**
 * Builds the request for an upstream that speaks OpenAI's chat completions API: same path below the base
 * URL, same body with only `model` replaced. Re-serialising keeps every field the client sent.
 */
export function openAIChatRequest(req: ChatCompletionRequest, target: UpstreamTarget): UpstreamRequest {
  return {
    path: `${target.basePath}/chat/completions`,
    headers: target.headers,
    body: JSON.stringify({ ...req, model: target.upstreamModel }),
  };
}

/** An adapter for an upstream that speaks OpenAI's wire format, differing only in what it requires. */
export function openAIFormatAdapter(opts: OpenAIFormatOptions): HttpProviderAdapter {
  return {
    kind: opts.kind,
    transport: "http",
    passthrough: true,
    validate(spec: ProviderSpec): string | null {
      if (opts.requiresApiKey && (spec.apiKey === null || spec.apiKey === "")) {
        return `a provider of kind ${opts.kind} needs an API key`;
      }
      return null;
    },
    staticHeaders(spec: ProviderSpec): Record<string, string> {
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
      if (spec.apiKey !== null && spec.apiKey !== "") headers.authorization = `Bearer ${spec.apiKey}`;
      return headers;
    },
    toUpstream: openAIChatRequest,
    responseTransformer: () => IDENTITY,
  };
}
