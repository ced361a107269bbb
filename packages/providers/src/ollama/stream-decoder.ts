import { type ChunkSink, onceClosed, type StreamDecoder } from "../shared/chunk-sink.ts";
import { TRUNCATED_STREAM } from "../shared/error-info.ts";
import { isObject, parseJson, str } from "../shared/json.ts";
import { createNdjsonSplitter } from "../shared/ndjson-splitter.ts";
import type { OpenAIChunk } from "../shared/openai-types.ts";
import { streamedError } from "../shared/upstream-error.ts";
import { ollamaCreated, ollamaFinishReason, ollamaId, ollamaToolCalls, ollamaUsage } from "./response.ts";

/**
 * Reads Ollama's NDJSON chat stream into OpenAI chunks: one line per piece of the message, tool calls
 * complete within a line, and a last line with `done: true`, the reason and the token counts. A line with
 * `error` (Ollama's mid-stream failure) becomes an error; a body that ends before `done` is a truncation.
 */
export function ollamaStreamDecoder(target: ChunkSink, opts: { created: number }): StreamDecoder {
  const sink = onceClosed(target);
  const lines = createNdjsonSplitter();
  let started = false;
  let id = "";
  let model = "";
  let created = opts.created;
  let calls = 0;
  let idBase = "";

  const emit = (
    delta: OpenAIChunk["choices"][number]["delta"],
    finish: OpenAIChunk["choices"][number]["finish_reason"],
  ) =>
    sink.chunk({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });

  const handle = (line: string) => {
    const v = parseJson(line);
    if (!isObject(v)) return;
    if (v.error !== undefined) return sink.error(streamedError("ollama", v));
    if (!started) {
      started = true;
      id = ollamaId(v.created_at);
      idBase = String(v.created_at ?? "");
      model = String(v.model ?? "");
      created = ollamaCreated(v.created_at, opts.created);
      emit({ role: "assistant", content: "" }, null);
    }
    const m = isObject(v.message) ? v.message : {};
    const text = str(m.content);
    if (text) emit({ content: text }, null);
    const tcs = ollamaToolCalls(m.tool_calls, idBase, calls);
    if (tcs.length > 0) {
      emit({ tool_calls: tcs.map((tc, k) => ({ index: calls + k, ...tc })) }, null);
      calls += tcs.length;
    }
    if (v.done === true) {
      emit({}, ollamaFinishReason(v.done_reason, calls > 0));
      sink.chunk({ id, object: "chat.completion.chunk", created, model, choices: [], usage: ollamaUsage(v) });
      sink.end();
    }
  };

  return {
    push(bytes) {
      for (const l of lines.push(bytes)) handle(l);
    },
    end() {
      for (const l of lines.end()) handle(l);
      sink.error(TRUNCATED_STREAM);
    },
  };
}
