import { anthropicUsageToOpenAI } from "../anthropic/usage.ts";
import type { ClientFormat, ResponseTransformer } from "../types.ts";
import { bytesOrNull } from "./chunk-sink.ts";
import { streamErrorEvent, TRUNCATED_STREAM } from "./error-info.ts";
import { isObject, parseJson } from "./json.ts";
import type { OpenAIUsage } from "./openai-types.ts";
import {
  ascii,
  eventStartBefore,
  hasCr,
  indexOfBytes,
  joinBytes,
  matchesAt,
  valueOpens,
  wholeEventsEnd,
} from "./sse-bytes.ts";
import { createSseParser, type SseEvent, type SseParser } from "./sse-parser.ts";

/** A transformer that also reports the usage it saw. */
export interface ObservingTransformer extends ResponseTransformer {
  usage(): OpenAIUsage | null;
}

/** A chunk that sets a finish reason (servers differ in JSON spacing). */
const FINISH = /"finish_reason":\s*"/;

const USAGE_KEY = ascii('"usage"');
const FINISH_KEY = ascii('"finish_reason"');
const DONE = ascii("[DONE]");
const ERROR = ascii("error");
const ERROR_KEY = ascii('"error"');
const MESSAGE_EVENT = ascii("message_");
const OPEN_BRACE = 123;
const QUOTE = 34;
const OPEN_BRACKET = 91;
const LOWER_U = 117;
const LOWER_F = 102;
const LOWER_E = 101;

/**
 * One pass over OpenAI events for the first thing to act on: a `"usage"` whose value is an object, a
 * `"finish_reason"` whose value is a string, an `"error"`, or `[DONE]`. One loop over the bytes costs less
 * than a native search per marker and per `"usage":null` (every chunk carries one).
 */
function openaiInspectionPoint(b: Uint8Array): number {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === QUOTE) {
      const next = b[i + 1];
      if (next === LOWER_U) {
        if (matchesAt(b, USAGE_KEY, i) && valueOpens(b, i + USAGE_KEY.length, OPEN_BRACE)) return i;
      } else if (next === LOWER_F) {
        if (matchesAt(b, FINISH_KEY, i) && valueOpens(b, i + FINISH_KEY.length, QUOTE)) return i;
      } else if (next === LOWER_E && matchesAt(b, ERROR_KEY, i)) return i;
    } else if (c === OPEN_BRACKET && matchesAt(b, DONE, i)) return i;
  }
  return -1;
}

/** The earliest of the indexes found (-1 for none). */
function earliest(...at: number[]): number {
  let min = -1;
  for (const i of at) if (i >= 0 && (min < 0 || i < min)) min = i;
  return min;
}

/**
 * Where the first thing the relay must act on starts in whole events, or -1: OpenAI's terminator, a usage
 * object (not the `"usage":null` every chunk carries), a finish reason or an error; Anthropic's message
 * events (usage, the end) or an error. A false positive only costs parsing; a content delta has none.
 */
function inspectionPoint(format: ClientFormat, bytes: Uint8Array): number {
  if (format === "openai") return openaiInspectionPoint(bytes);
  return earliest(indexOfBytes(bytes, ERROR), indexOfBytes(bytes, MESSAGE_EVENT));
}

function frame(e: SseEvent): string {
  return e.event === null ? `data: ${e.data}\n\n` : `event: ${e.event}\ndata: ${e.data}\n\n`;
}

/**
 * Relays a stream whose upstream already speaks the client's format. Events go out whole (a client never sees
 * half an event when an upstream breaks off mid-event) and as they came, except:
 * OpenAI's final usage chunk is held back when the client did not ask for it (the gateway always asks, for
 * accounting), and a stream that ends before its terminator (`[DONE]`, `message_stop`, or an error the
 * upstream sent) gets an error event the client's SDK raises, instead of looking complete.
 */
export function sameFormatStream(format: ClientFormat, opts: { includeUsage: boolean }): ObservingTransformer {
  // Made on first use: a stream whose events all pass as bytes never needs one (nor its TextDecoder).
  let sse: SseParser | null = null;
  const parser = (): SseParser => {
    sse ??= createSseParser();
    return sse;
  };
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
  const parsed = (bytes: Uint8Array): Uint8Array | null => {
    let out = "";
    for (const e of parser().push(bytes)) out += relay(e);
    return bytesOrNull(out);
  };

  // The fast path: whole events (up to the chunk's last blank line) that need no inspection go out as the
  // very bytes that came, undecoded; the rest waits for the next chunk. Events that need inspection, and
  // every event once a carriage return was seen (the parser knows all the line-ending rules), are parsed
  // and re-framed. The parser only ever receives whole events on the fast path, so it holds nothing between.
  let raw = true;
  let rest: Uint8Array | null = null;
  return {
    onChunk(bytes) {
      if (!raw) return parsed(bytes);
      const all = joinBytes(rest, bytes);
      rest = null;
      if (hasCr(all)) {
        raw = false;
        return parsed(all);
      }
      const end = wholeEventsEnd(all);
      if (end < 0) {
        rest = all;
        return null;
      }
      if (end < all.length) rest = all.subarray(end);
      const whole = end === all.length ? all : all.subarray(0, end);
      const at = inspectionPoint(format, whole);
      if (at < 0) return whole;
      // The events before the first one to inspect still go out as they came.
      const start = eventStartBefore(whole, at);
      if (start === 0) return parsed(whole);
      const after = parsed(whole.subarray(start));
      return after === null ? whole.subarray(0, start) : joinBytes(whole.subarray(0, start), after);
    },
    onEnd() {
      let out = "";
      if (rest !== null) for (const e of parser().push(rest)) out += relay(e);
      rest = null;
      // A parser never made holds nothing to end.
      if (sse !== null) for (const e of sse.end().events) out += relay(e);
      // Some OpenAI-compatible servers end without [DONE] after a finish reason; that stream is whole.
      if (format === "openai" && !complete && finishSeen) out += "data: [DONE]\n\n";
      else if (!complete) out += streamErrorEvent(format, TRUNCATED_STREAM);
      return bytesOrNull(out);
    },
    usage: () => usage,
  };
}
