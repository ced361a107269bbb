import { type ChunkSink, onceClosed, type StreamDecoder } from "../shared/chunk-sink.ts";
import { TRUNCATED_STREAM } from "../shared/error-info.ts";
import { isObject, num, parseJson, str } from "../shared/json.ts";
import type { OpenAIChunk, OpenAIUsage } from "../shared/openai-types.ts";
import { createSseParser } from "../shared/sse-parser.ts";
import { streamedError } from "../shared/upstream-error.ts";
import { candidateParts, geminiFinishReason, geminiUsage } from "./response.ts";

/**
 * Reads `streamGenerateContent?alt=sse` into OpenAI chunks. Each event is a whole GenerateContentResponse
 * with the next piece of text; function calls arrive complete, so each becomes one tool call delta with all
 * its arguments. Gemini has no end marker: the stream is complete when every candidate has a finish reason
 * by the time the body ends, and then the usage of the last event is sent as the usage chunk.
 */
export function geminiStreamDecoder(target: ChunkSink, opts: { created: number }): StreamDecoder {
  const sink = onceClosed(target);
  const parser = createSseParser();
  let id = "";
  let model = "";
  let usage: OpenAIUsage | null = null;
  /** Per candidate index: number of tool calls so far, and whether it has finished. */
  const seen = new Map<number, { calls: number; finished: boolean }>();

  const emit = (choices: OpenAIChunk["choices"]) =>
    sink.chunk({ id, object: "chat.completion.chunk", created: opts.created, model, choices });

  const handle = (data: string) => {
    const v = parseJson(data);
    if (!isObject(v)) return;
    if (isObject(v.error)) return sink.error(streamedError("gemini", v));
    id ||= str(v.responseId) ?? "";
    model ||= str(v.modelVersion) ?? "";
    usage = geminiUsage(v.usageMetadata) ?? usage;
    const candidates = Array.isArray(v.candidates) ? v.candidates.filter(isObject) : [];
    if (candidates.length === 0 && isObject(v.promptFeedback) && v.promptFeedback.blockReason) {
      seen.set(0, { calls: 0, finished: true });
      return emit([
        { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: "content_filter" },
      ]);
    }
    candidates.forEach((c, i) => {
      const index = num(c.index) ?? i;
      let s = seen.get(index);
      if (!s) {
        s = { calls: 0, finished: false };
        seen.set(index, s);
        emit([{ index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
      }
      const { text, calls } = candidateParts(isObject(c.content) ? c.content.parts : undefined, id, s.calls);
      if (text !== null && text !== "")
        emit([{ index, delta: { content: text }, logprobs: null, finish_reason: null }]);
      if (calls.length > 0) {
        const tool_calls = calls.map((tc, k) => ({ index: s.calls + k, ...tc }));
        s.calls += calls.length;
        emit([{ index, delta: { tool_calls }, logprobs: null, finish_reason: null }]);
      }
      if (c.finishReason && !s.finished) {
        s.finished = true;
        emit([{ index, delta: {}, logprobs: null, finish_reason: geminiFinishReason(c.finishReason, s.calls > 0) }]);
      }
    });
  };

  return {
    push(bytes) {
      for (const e of parser.push(bytes)) handle(e.data);
    },
    end() {
      for (const e of parser.end().events) handle(e.data);
      const complete = seen.size > 0 && [...seen.values()].every((s) => s.finished);
      if (!complete) return sink.error(TRUNCATED_STREAM);
      if (usage) sink.chunk({ id, object: "chat.completion.chunk", created: opts.created, model, choices: [], usage });
      sink.end();
    },
  };
}
