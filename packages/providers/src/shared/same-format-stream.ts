import { anthropicUsageToOpenAI } from "../anthropic/usage.ts";
import type { ClientFormat, ResponseTransformer } from "../types.ts";
import { bytesOrNull } from "./chunk-sink.ts";
import { streamErrorEvent, TRUNCATED_STREAM } from "./error-info.ts";
import { isObject, parseJson } from "./json.ts";
import type { OpenAIUsage } from "./openai-types.ts";
import { createSseParser, type SseEvent } from "./sse-parser.ts";

/** A transformer that also reports the usage it saw. */
export interface ObservingTransformer extends ResponseTransformer {
  usage(): OpenAIUsage | null;
}

/** A chunk that sets a finish reason (servers differ in JSON spacing). */
const FINISH = /"finish_reason":\s*"/;

function frame(e: SseEvent): string {
  return e.event === null ? `data: ${e.data}\n\n` : `event: ${e.event}\ndata: ${e.data}\n\n`;
}

/**
 * Relays a stream whose upstream already speaks the client's format. Events go out exactly as they came
 * (re-framed, so a client never sees half an event when an upstream breaks off mid-event) except:
 * OpenAI's final usage chunk is held back when the client did not ask for it (the gateway always asks, for
 * accounting), and a stream that ends before its terminator (`[DONE]`, `message_stop`, or an error the
 * upstream sent) gets an error event the client's SDK raises, instead of looking complete.
 */
export function sameFormatStream(format: ClientFormat, opts: { includeUsage: boolean }): ObservingTransformer {
  const parser = createSseParser();
  let complete = false;
  let usage: OpenAIUsage | null = null;
  let finishSeen = false;

  const openai = (e: SseEvent): string => {
    if (e.data === "[DONE]") {
      complete = true;
      return frame(e);
    }
    // Only events that can carry usage or an error need parsing; content deltas pass as they are.
    if (!e.data.includes('"usage"') && !e.data.includes('"error"') && !FINISH.test(e.data)) {
      return frame(e);
    }
    const v = parseJson(e.data);
    if (!isObject(v)) return frame(e);
    if (v.error !== undefined && v.error !== null) complete = true;
    if (Array.isArray(v.choices) && v.choices.some((c) => isObject(c) && typeof c.finish_reason === "string")) {
      finishSeen = true;
    }
    if (isObject(v.usage)) {
      usage = v.usage as unknown as OpenAIUsage;
      if (!opts.includeUsage && Array.isArray(v.choices) && v.choices.length === 0) return "";
    }
    return frame(e);
  };

  const anthropic = (e: SseEvent): string => {
    if (e.event === "message_stop" || e.event === "error") complete = true;
    if (e.event === "message_start" || e.event === "message_delta") {
      const v = parseJson(e.data);
      const u = isObject(v) ? (isObject(v.message) ? v.message.usage : v.usage) : undefined;
      if (isObject(u)) usage = anthropicUsageToOpenAI(u, usage);
    }
    return frame(e);
  };

  const relay = format === "openai" ? openai : anthropic;
  return {
    onChunk(bytes) {
      let out = "";
      for (const e of parser.push(bytes)) out += relay(e);
      return bytesOrNull(out);
    },
    onEnd() {
      let out = "";
      for (const e of parser.end().events) out += relay(e);
      // Some OpenAI-compatible servers end without [DONE] after a finish reason; that stream is whole.
      if (format === "openai" && !complete && finishSeen) out += "data: [DONE]\n\n";
      else if (!complete) out += streamErrorEvent(format, TRUNCATED_STREAM);
      return bytesOrNull(out);
    },
    usage: () => usage,
  };
}
