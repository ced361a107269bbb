import type { StreamEncoder } from "../shared/chunk-sink.ts";
import { type ErrorInfo, streamErrorEvent } from "../shared/error-info.ts";
import type { FinishReason, OpenAIChunk, OpenAIUsage } from "../shared/openai-types.ts";
import { stopReasonOf } from "./response.ts";
import { openAIUsageToAnthropic } from "./usage.ts";

function ev(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * Writes Anthropic's Messages SSE stream from OpenAI chunks, for Anthropic clients of other providers:
 * message_start, then content blocks (text, and one tool_use block per tool call with its arguments as
 * `input_json_delta` fragments, none dropped), then message_delta with the stop reason and the final
 * usage, then message_stop. Usage comes last in OpenAI streams, so message_start carries what is known
 * then (usually zero input tokens) and message_delta the totals, which Anthropic's SDK applies.
 */
export function anthropicStreamEncoder(): StreamEncoder {
  let out = "";
  let started = false;
  let block = -1;
  let open: "text" | "tool" | null = null;
  const toolBlocks = new Map<number, number>();
  let finish: FinishReason | null = null;
  let usage: OpenAIUsage | null = null;

  const start = (c: OpenAIChunk | null) => {
    if (started) return;
    started = true;
    const message = {
      id: c?.id ?? "",
      type: "message",
      role: "assistant",
      model: c?.model ?? "",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: openAIUsageToAnthropic(c?.usage ?? null),
    };
    out += ev("message_start", { message });
  };
  const close = () => {
    if (open !== null) out += ev("content_block_stop", { index: block });
    open = null;
  };
  const text = (t: string) => {
    if (open !== "text") {
      close();
      block++;
      open = "text";
      out += ev("content_block_start", { index: block, content_block: { type: "text", text: "" } });
    }
    out += ev("content_block_delta", { index: block, delta: { type: "text_delta", text: t } });
  };

  return {
    chunk(c) {
      start(c);
      if (c.usage) usage = c.usage;
      const choice = c.choices.find((ch) => ch.index === 0);
      if (!choice) return;
      const d = choice.delta ?? {};
      const t = d.content ?? d.refusal;
      if (typeof t === "string" && t !== "") text(t);
      for (const tc of d.tool_calls ?? []) {
        let b = toolBlocks.get(tc.index);
        if (b === undefined) {
          close();
          b = ++block;
          open = "tool";
          toolBlocks.set(tc.index, b);
          const content_block = {
            type: "tool_use",
            id: tc.id ?? `toolu_${tc.index}`,
            name: tc.function?.name ?? "",
            input: {},
          };
          out += ev("content_block_start", { index: b, content_block });
        }
        const args = tc.function?.arguments;
        if (args)
          out += ev("content_block_delta", { index: b, delta: { type: "input_json_delta", partial_json: args } });
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    },
    error(e: ErrorInfo) {
      out += streamErrorEvent("anthropic", e);
    },
    end() {
      start(null);
      close();
      const delta = { stop_reason: stopReasonOf(finish), stop_sequence: null };
      out += ev("message_delta", { delta, usage: openAIUsageToAnthropic(usage) });
      out += ev("message_stop", {});
    },
    take() {
      const t = out;
      out = "";
      return t;
    },
    usage: () => usage,
  };
}
