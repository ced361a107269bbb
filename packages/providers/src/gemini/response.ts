import { isObject, type JsonObject, num, str } from "../shared/json.ts";
import {
  type FinishReason,
  type OpenAICompletion,
  type OpenAIToolCall,
  type OpenAIUsage,
  openAIUsage,
} from "../shared/openai-types.ts";
import { geminiToolCallId } from "./tool-call-id.ts";

const FILTERED = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "LANGUAGE",
]);

/** Gemini's finish reasons in OpenAI's words; a turn that called functions finishes with `tool_calls`. */
export function geminiFinishReason(reason: unknown, calledTools: boolean): FinishReason {
  if (reason === "MAX_TOKENS") return "length";
  if (typeof reason === "string" && FILTERED.has(reason)) return "content_filter";
  return calledTools ? "tool_calls" : "stop";
}

/**
 * Gemini's usage in OpenAI's terms: thinking tokens are billed as output, so they are added to
 * `completion_tokens` and reported as reasoning tokens; cached content tokens are part of the prompt.
 */
export function geminiUsage(u: unknown): OpenAIUsage | null {
  if (!isObject(u)) return null;
  const thoughts = num(u.thoughtsTokenCount);
  const completion = (num(u.candidatesTokenCount) ?? 0) + (thoughts ?? 0);
  return openAIUsage(num(u.promptTokenCount) ?? 0, completion, num(u.cachedContentTokenCount), thoughts);
}

/** The visible text and function calls of one candidate's parts; thought parts are left out. */
export function candidateParts(
  parts: unknown,
  responseId: string,
  firstCall: number,
): { text: string | null; calls: OpenAIToolCall[] } {
  let text: string | null = null;
  const calls: OpenAIToolCall[] = [];
  for (const p of Array.isArray(parts) ? parts : []) {
    if (!isObject(p) || p.thought === true) continue;
    if (typeof p.text === "string") text = (text ?? "") + p.text;
    if (isObject(p.functionCall)) {
      const id =
        str(p.functionCall.id) ?? geminiToolCallId(responseId, firstCall + calls.length, str(p.thoughtSignature));
      const args = JSON.stringify(p.functionCall.args ?? {});
      calls.push({ id, type: "function", function: { name: String(p.functionCall.name), arguments: args } });
    }
  }
  return { text, calls };
}

/**
 * A Gemini `GenerateContentResponse` as an OpenAI completion, one choice per candidate. A prompt Gemini
 * blocked has no candidates; it becomes one empty choice finished by `content_filter`.
 */
export function geminiResponseToOpenAI(body: unknown, created: number): OpenAICompletion {
  if (!isObject(body)) throw new Error("not a Gemini response");
  const id = str(body.responseId) ?? "";
  const candidates = Array.isArray(body.candidates) ? body.candidates.filter(isObject) : [];
  const choices: OpenAICompletion["choices"] = candidates.map((c: JsonObject, i) => {
    const { text, calls } = candidateParts(isObject(c.content) ? c.content.parts : undefined, id, 0);
    const message: OpenAICompletion["choices"][number]["message"] = { role: "assistant", content: text, refusal: null };
    if (calls.length > 0) message.tool_calls = calls;
    return {
      index: num(c.index) ?? i,
      message,
      logprobs: null,
      finish_reason: geminiFinishReason(c.finishReason, calls.length > 0),
    };
  });
  if (choices.length === 0) {
    choices.push({
      index: 0,
      message: { role: "assistant", content: null, refusal: null },
      logprobs: null,
      finish_reason: "content_filter",
    });
  }
  const usage = geminiUsage(body.usageMetadata);
  return {
    id,
    object: "chat.completion",
    created,
    model: str(body.modelVersion) ?? "",
    choices,
    ...(usage ? { usage } : {}),
  };
}
