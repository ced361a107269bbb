/**
 * OpenAI's wire format, byte for byte as api.openai.com writes it: pretty-printed JSON bodies, compact SSE
 * events separated by a blank line, and the response headers clients and SDKs look at.
 */

/** The `usage` object of a completion. */
export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A non-streaming `chat.completion` body (OpenAI indents these with two spaces). */
export function completionBody(id: string, model: string, created: number, text: string, usage: WireUsage): string {
  const body = {
    id,
    object: "chat.completion",
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: {
      ...usage,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: "default",
    system_fingerprint: "fp_fake0001",
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * The SSE events of a streamed completion, each already framed as `data: …\n\n`: a role chunk, one chunk per
 * piece of text, a finish chunk, a usage chunk when asked for (`usage: null` on the others, as OpenAI
 * does), then `[DONE]`.
 */
export function streamEvents(
  id: string,
  model: string,
  created: number,
  pieces: readonly string[],
  usage: WireUsage | null,
): string[] {
  const base = {
    id,
    object: "chat.completion.chunk",
    created,
    model,
    service_tier: "default",
    system_fingerprint: "fp_fake0001",
  };
  const withUsage = usage === null ? {} : { usage: null };
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...withUsage });
  const events = [chunk({ role: "assistant", content: "", refusal: null }, null)];
  for (const p of pieces) events.push(chunk({ content: p }, null));
  events.push(chunk({}, "stop"));
  if (usage !== null) events.push(JSON.stringify({ ...base, choices: [], usage }));
  return [...events.map((e) => `data: ${e}\n\n`), "data: [DONE]\n\n"];
}

/** OpenAI's error body. */
export function errorBody(message: string, type: string, param: string | null, code: string | null): string {
  return `${JSON.stringify({ error: { message, type, param, code } }, null, 2)}\n`;
}

/** The headers OpenAI puts on every API response, with the per-request ones filled in. */
export function openAIHeaders(requestId: string, processingMs: number): Record<string, string> {
  return {
    "x-request-id": requestId,
    "openai-organization": "fake-org",
    "openai-processing-ms": String(processingMs),
    "openai-version": "2020-10-01",
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-limit-tokens": "30000000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-remaining-tokens": "29999990",
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "0s",
    "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
  };
}
