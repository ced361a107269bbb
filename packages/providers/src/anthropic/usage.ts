import { num } from "../shared/json.ts";
import { type OpenAIUsage, openAIUsage } from "../shared/openai-types.ts";

/**
 * Anthropic's usage in OpenAI's terms. Anthropic counts cache reads and cache writes apart from
 * `input_tokens`; OpenAI's `prompt_tokens` includes cached tokens, so all three are added up and the
 * reads are reported as `cached_tokens`. Thinking tokens are already part of `output_tokens`. Counters
 * absent from a later event (message_delta) keep the earlier value (message_start).
 */
export function anthropicUsageToOpenAI(u: Record<string, unknown>, before: OpenAIUsage | null = null): OpenAIUsage {
  const input = num(u.input_tokens);
  const read = num(u.cache_read_input_tokens);
  const write = num(u.cache_creation_input_tokens);
  const prompt =
    input === undefined && read === undefined && write === undefined
      ? (before?.prompt_tokens ?? 0)
      : (input ?? 0) + (read ?? 0) + (write ?? 0);
  const output = num(u.output_tokens) ?? before?.completion_tokens ?? 0;
  const cached = read ?? before?.prompt_tokens_details?.cached_tokens;
  const details = u.output_tokens_details;
  const thinking =
    details !== null && typeof details === "object"
      ? num((details as Record<string, unknown>).thinking_tokens)
      : undefined;
  return openAIUsage(prompt, output, cached, thinking ?? before?.completion_tokens_details?.reasoning_tokens);
}

/** OpenAI usage in Anthropic's terms: cached prompt tokens move from `input_tokens` to `cache_read_input_tokens`. */
export function openAIUsageToAnthropic(u: OpenAIUsage | null): Record<string, number> {
  if (u === null) return { input_tokens: 0, output_tokens: 0 };
  const cached = u.prompt_tokens_details?.cached_tokens;
  const out: Record<string, number> = {
    input_tokens: u.prompt_tokens - (cached ?? 0),
    output_tokens: u.completion_tokens,
  };
  if (cached !== undefined) out.cache_read_input_tokens = cached;
  return out;
}
