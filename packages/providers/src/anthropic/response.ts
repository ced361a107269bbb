import { badRequest } from "../shared/bad-request.ts";
import { isObject, type JsonObject, parseJson, str } from "../shared/json.ts";
import type { FinishReason, OpenAICompletion, OpenAIToolCall } from "../shared/openai-types.ts";
import { JSON_TOOL } from "./upstream-request.ts";
import { anthropicUsageToOpenAI, openAIUsageToAnthropic } from "./usage.ts";

/** Anthropic's stop reasons in OpenAI's words. */
export function finishReasonOf(stop: unknown): FinishReason {
  switch (stop) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      // end_turn, stop_sequence, pause_turn: the model stopped on its own.
      return "stop";
  }
}

/** OpenAI's finish reasons in Anthropic's words. */
export function stopReasonOf(finish: FinishReason | null): string {
  switch (finish) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

/**
 * An Anthropic message as an OpenAI chat completion: text blocks become the content, tool_use blocks tool
 * calls (input serialised as the arguments string), thinking blocks are left out. With `jsonTool`, the
 * forced JSON tool's input is the answer and becomes the content, with finish reason `stop`.
 */
export function anthropicMessageToOpenAI(msg: unknown, jsonTool: boolean, created: number): OpenAICompletion {
  if (!isObject(msg) || !Array.isArray(msg.content)) throw new Error("not an Anthropic message");
  let text: string | null = null;
  const calls: OpenAIToolCall[] = [];
  let json = false;
  for (const b of msg.content) {
    if (!isObject(b)) continue;
    if (b.type === "text") text = (text ?? "") + (str(b.text) ?? "");
    else if (b.type === "tool_use" && jsonTool && b.name === JSON_TOOL) {
      text = (text ?? "") + JSON.stringify(b.input ?? {});
      json = true;
    } else if (b.type === "tool_use") {
      calls.push({
        id: String(b.id),
        type: "function",
        function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) },
      });
    }
  }
  const message: OpenAICompletion["choices"][number]["message"] = { role: "assistant", content: text, refusal: null };
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: String(msg.id),
    object: "chat.completion",
    created,
    model: String(msg.model),
    choices: [{ index: 0, message, logprobs: null, finish_reason: json ? "stop" : finishReasonOf(msg.stop_reason) }],
    usage: anthropicUsageToOpenAI(isObject(msg.usage) ? msg.usage : {}),
  };
}

/**
 * An OpenAI chat completion as an Anthropic message (first choice; Anthropic has no `n`). Tool call
 * arguments must be a JSON object, because Anthropic's `input` is one; anything else is a broken upstream.
 */
export function openAICompletionToAnthropic(c: OpenAICompletion): JsonObject {
  const choice = c.choices[0];
  const content: JsonObject[] = [];
  const text = choice?.message.content ?? choice?.message.refusal;
  if (typeof text === "string" && text !== "") content.push({ type: "text", text });
  for (const tc of choice?.message.tool_calls ?? []) {
    const input = tc.function.arguments === "" ? {} : parseJson(tc.function.arguments);
    if (!isObject(input)) badRequest("The upstream returned tool arguments that are not a JSON object.");
    content.push({ type: "tool_use", id: tc.id, name: tc.function.name, input });
  }
  return {
    id: c.id,
    type: "message",
    role: "assistant",
    model: c.model,
    content,
    stop_reason: stopReasonOf(choice?.finish_reason ?? null),
    stop_sequence: null,
    usage: openAIUsageToAnthropic(c.usage ?? null),
  };
}
