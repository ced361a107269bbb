/**
 * The pivot of every translation is OpenAI's chat completions format: the gateway's native client format, a
 * real wire format with documented semantics, and the one every OpenAI-format upstream passes through
 * untouched. Anthropic clients are translated into it, and Anthropic, Gemini and Ollama upstreams are
 * translated from it, so n formats need 2n translators instead of n². These types cover the fields the
 * translators read and write; the bodies themselves stay plain JSON.
 */

/** One tool call of an assistant message. */
export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A chat message as the translators produce and consume it. */
export interface OpenAIMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content?: string | OpenAIContentPart[] | null;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
  name?: string;
  [field: string]: unknown;
}

/** A content part of a user (or system) message. */
export type OpenAIContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } }
  | { type: "file"; file: { file_data?: string; file_id?: string; filename?: string } }
  | { type: string; [field: string]: unknown };

/** The request fields translators read; anything else is carried as unknown. */
export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIMessage[];
  [field: string]: unknown;
}

/** OpenAI's usage object, with the details the gateway reports. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; [k: string]: unknown };
  completion_tokens_details?: { reasoning_tokens?: number; [k: string]: unknown };
}

/** Why a choice stopped, in OpenAI's words. */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

/** A non-streamed chat completion. */
export interface OpenAICompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: "assistant"; content: string | null; refusal?: string | null; tool_calls?: OpenAIToolCall[] };
    logprobs: null;
    finish_reason: FinishReason | null;
  }[];
  usage?: OpenAIUsage;
  [field: string]: unknown;
}

/** A tool call fragment inside a streamed delta. */
export interface OpenAIToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

/** One streamed chunk. A chunk with empty `choices` and `usage` set is the final usage chunk. */
export interface OpenAIChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: "assistant"; content?: string | null; refusal?: string | null; tool_calls?: OpenAIToolCallDelta[] };
    logprobs?: null;
    finish_reason: FinishReason | null;
  }[];
  usage?: OpenAIUsage | null;
  [field: string]: unknown;
}

/** Token counts the gateway accounts for, whatever the upstream called them. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Input tokens served from the provider's prompt cache, when reported. */
  readonly cachedInputTokens?: number;
  /** Output tokens spent on hidden reasoning, when reported (included in outputTokens). */
  readonly reasoningTokens?: number;
}

/** The gateway's token counts read from an OpenAI usage object. */
export function tokenUsageOf(u: OpenAIUsage): TokenUsage {
  const cached = u.prompt_tokens_details?.cached_tokens;
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  return {
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
    ...(cached !== undefined ? { cachedInputTokens: cached } : {}),
    ...(reasoning !== undefined ? { reasoningTokens: reasoning } : {}),
  };
}

/** Builds an OpenAI usage object, adding the details only when the upstream reported them. */
export function openAIUsage(prompt: number, completion: number, cached?: number, reasoning?: number): OpenAIUsage {
  const u: OpenAIUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cached !== undefined) u.prompt_tokens_details = { cached_tokens: cached };
  if (reasoning !== undefined) u.completion_tokens_details = { reasoning_tokens: reasoning };
  return u;
}
