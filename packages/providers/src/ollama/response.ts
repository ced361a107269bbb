import { isObject, num, str } from "../shared/json.ts";
import {
  type FinishReason,
  type OpenAICompletion,
  type OpenAIToolCall,
  type OpenAIUsage,
  openAIUsage,
} from "../shared/openai-types.ts";

/** Unix seconds of Ollama's RFC 3339 `created_at`, or the fallback. */
export function ollamaCreated(v: unknown, fallback: number): number {
  const t = Date.parse(str(v) ?? "");
  return Number.isNaN(t) ? fallback : Math.floor(t / 1000);
}

/** An id for a response; Ollama has none, so it is derived from the creation time. */
export function ollamaId(v: unknown): string {
  return `chatcmpl-ollama-${(str(v) ?? "").replace(/[^0-9]/g, "")}`;
}

/** Ollama's tool calls (arguments as objects) as OpenAI's; ids are made up when Ollama sends none. */
export function ollamaToolCalls(calls: unknown, idBase: string, first: number): OpenAIToolCall[] {
  if (!Array.isArray(calls)) return [];
  return calls.filter(isObject).map((c, k) => {
    const fn = isObject(c.function) ? c.function : {};
    const id = str(c.id) ?? `call_${idBase.replace(/[^0-9]/g, "")}_${first + k}`;
    return {
      id,
      type: "function",
      function: { name: String(fn.name ?? ""), arguments: JSON.stringify(fn.arguments ?? {}) },
    };
  });
}

/** Ollama's done_reason in OpenAI's words. */
export function ollamaFinishReason(reason: unknown, calledTools: boolean): FinishReason {
  if (reason === "length") return "length";
  return calledTools ? "tool_calls" : "stop";
}

/** Ollama's counters: `prompt_eval_count` input tokens, `eval_count` output tokens. */
export function ollamaUsage(body: Record<string, unknown>): OpenAIUsage {
  return openAIUsage(num(body.prompt_eval_count) ?? 0, num(body.eval_count) ?? 0);
}

/** A non-streamed `/api/chat` answer as an OpenAI completion. */
export function ollamaResponseToOpenAI(body: unknown, created: number): OpenAICompletion {
  if (!isObject(body) || !isObject(body.message)) throw new Error("not an Ollama chat response");
  const calls = ollamaToolCalls(body.message.tool_calls, String(body.created_at ?? ""), 0);
  const message: OpenAICompletion["choices"][number]["message"] = {
    role: "assistant",
    content: str(body.message.content) ?? "",
    refusal: null,
  };
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: ollamaId(body.created_at),
    object: "chat.completion",
    created: ollamaCreated(body.created_at, created),
    model: String(body.model ?? ""),
    choices: [
      { index: 0, message, logprobs: null, finish_reason: ollamaFinishReason(body.done_reason, calls.length > 0) },
    ],
    usage: ollamaUsage(body),
  };
}
