import type { StreamEncoder } from "./chunk-sink.ts";
import { type ErrorInfo, streamErrorEvent } from "./error-info.ts";
import type { OpenAIChunk, OpenAIUsage } from "./openai-types.ts";

/**
 * Writes OpenAI's SSE format from chunk objects. The final usage chunk (empty `choices`) is written only
 * when the client asked for `stream_options.include_usage`, as OpenAI does; it is always recorded for the
 * gateway. An error becomes a data event carrying `error`, which OpenAI's SDK raises.
 */
export function openAIStreamEncoder(opts: { includeUsage: boolean }): StreamEncoder {
  let out = "";
  let usage: OpenAIUsage | null = null;
  return {
    chunk(c: OpenAIChunk) {
      if (c.usage) usage = c.usage;
      if (!opts.includeUsage && c.usage) {
        if (c.choices.length === 0) return;
        const { usage: _, ...rest } = c;
        out += `data: ${JSON.stringify(rest)}\n\n`;
        return;
      }
      out += `data: ${JSON.stringify(c)}\n\n`;
    },
    error(e: ErrorInfo) {
      out += streamErrorEvent("openai", e);
    },
    end() {
      out += "data: [DONE]\n\n";
    },
    take() {
      const t = out;
      out = "";
      return t;
    },
    usage: () => usage,
  };
}
