import type { ProviderSpec } from "@switchyard/policy";
import type { AdapterKind } from "../kinds.ts";
import type { ClientCall, ClientFormat, UpstreamRequest, UpstreamTarget } from "../types.ts";
import type { ChunkSink, StreamDecoder } from "./chunk-sink.ts";
import type { JsonObject } from "./json.ts";
import type { OpenAIChatRequest, OpenAICompletion } from "./openai-types.ts";
import type { ErrorDialect } from "./upstream-error.ts";

/** Per-response facts a decoder needs that only the request or the response head knows. */
export interface DecodeContext {
  /** Whether the request asked for the forced JSON tool (Anthropic's structured output). */
  readonly jsonTool: boolean;
  /** Unix seconds for `created`, from the upstream's `date` header (adapters have no clock). */
  readonly created: number;
}

/**
 * What one provider kind contributes: how to address it and how to translate to and from OpenAI's format,
 * the pivot. {@link httpAdapter} builds the adapter every kind exposes from it, so the composition rules
 * (pass-through for same-format calls, strict mode, error mapping, streaming) exist once.
 */
export interface UpstreamCodec {
  readonly kind: AdapterKind;
  readonly dialect: ErrorDialect;
  /** The client format this upstream speaks itself; calls in that format pass through with `model` replaced. */
  readonly native: ClientFormat | null;
  readonly requiresApiKey: boolean;
  staticHeaders(spec: ProviderSpec): Record<string, string>;
  /**
   * A same-format request; only called when the call's format is `native`. An OpenAI-format upstream is asked
   * for `stream_options.include_usage` on streams, so the gateway always learns a stream's usage.
   */
  nativeChat?(body: JsonObject, target: UpstreamTarget, call: ClientCall): UpstreamRequest;
  /** A request translated from OpenAI's format; throws BadRequest for content the provider cannot take. */
  chat(req: OpenAIChatRequest, target: UpstreamTarget): { request: UpstreamRequest; jsonTool: boolean };
  /** Top-level (and per-message) OpenAI fields this provider cannot honour. */
  unsupported(req: OpenAIChatRequest): string[];
  /** A successful non-streamed body as an OpenAI completion; throws when it is not one. */
  completion(body: unknown, ctx: DecodeContext): OpenAICompletion;
  streamDecoder(sink: ChunkSink, ctx: DecodeContext): StreamDecoder;
  /** Embeddings, for kinds that have them. `response` is absent when the answer is already OpenAI's. */
  readonly embeddings?: {
    request(body: JsonObject, target: UpstreamTarget): UpstreamRequest;
    response?(body: unknown, model: string, encodingFormat: unknown): JsonObject;
  };
}
