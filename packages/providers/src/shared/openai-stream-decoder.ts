import { type ChunkSink, onceClosed, type StreamDecoder } from "./chunk-sink.ts";
import { TRUNCATED_STREAM } from "./error-info.ts";
import { isObject, parseJson } from "./json.ts";
import type { OpenAIChunk } from "./openai-types.ts";
import { createSseParser } from "./sse-parser.ts";
import { streamedError } from "./upstream-error.ts";

/**
 * Reads an OpenAI-format SSE stream into chunk objects. The stream is complete at `[DONE]`; servers that
 * omit it are accepted when a finish reason was seen, anything else ending early is a truncated stream.
 */
export function openAIStreamDecoder(target: ChunkSink): StreamDecoder {
  const sink = onceClosed(target);
  const parser = createSseParser();
  let finished = false;
  const handle = (data: string) => {
    if (data === "[DONE]") return sink.end();
    const v = parseJson(data);
    if (!isObject(v)) return;
    if (v.error !== undefined && v.error !== null) return sink.error(streamedError("openai", v));
    const c = v as unknown as OpenAIChunk;
    if (!Array.isArray(c.choices)) return;
    if (c.choices.some((ch) => ch.finish_reason)) finished = true;
    sink.chunk(c);
  };
  return {
    push(bytes) {
      for (const e of parser.push(bytes)) handle(e.data);
    },
    end() {
      for (const e of parser.end().events) handle(e.data);
      if (finished) sink.end();
      else sink.error(TRUNCATED_STREAM);
    },
  };
}
