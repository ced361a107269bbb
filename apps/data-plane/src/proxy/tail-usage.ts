import type { TokenUsage } from "@switchyard/providers";

/** How much of a body's end is searched for its usage object; OpenAI's, with its details, is under 1 KiB. */
export const TAIL_BYTES = 4096;

const USAGE_KEY = '"usage"';

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}

/**
 * The end (exclusive) of the JSON object starting at `from` (a `{`), or -1 when it does not close within the
 * text. The text is the bytes read as latin1, one character per byte: every structural character is ASCII,
 * and no byte of a multi-byte UTF-8 sequence can look like one.
 */
function objectEnd(t: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < t.length; i++) {
    const ch = t.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++;
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123) depth++;
    else if (ch === 125 && --depth === 0) return i + 1;
  }
  return -1;
}

/** The last chunks, joined when more than one is needed to cover {@link TAIL_BYTES}. */
function tailOf(chunks: readonly Uint8Array[]): Buffer {
  const last = chunks[chunks.length - 1]!;
  if (chunks.length === 1 || last.byteLength >= TAIL_BYTES) return asBuffer(last);
  let size = 0;
  let first = chunks.length;
  while (first > 0 && size < TAIL_BYTES) size += chunks[--first]!.byteLength;
  return Buffer.concat(chunks.slice(first), size);
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * The token usage in the last usage object of a body's last {@link TAIL_BYTES}, in OpenAI's shape
 * (`prompt_tokens`, `completion_tokens`, details) or Anthropic's (`input_tokens`, `output_tokens`,
 * `cache_read_input_tokens`). Used for answers that pass through untranslated, which the adapter does not
 * parse: the proxy keeps references to the last chunks (no copy while streaming) and reads them once at the
 * end. The bytes are read as latin1 (a plain copy, no UTF-8 decoding; the usage object's keys and numbers
 * are ASCII) and only the usage object is parsed.
 */
export function usageFromTail(chunks: readonly Uint8Array[]): TokenUsage | null {
  if (chunks.length === 0) return null;
  const tail = tailOf(chunks);
  const text = tail.toString("latin1", Math.max(0, tail.length - TAIL_BYTES));
  let at = text.lastIndexOf(USAGE_KEY);
  while (at >= 0) {
    const open = text.indexOf("{", at + USAGE_KEY.length);
    const end = open < 0 ? -1 : objectEnd(text, open);
    if (end > 0) {
      try {
        return usageOf(JSON.parse(text.slice(open, end)) as Record<string, unknown>);
      } catch {
        // Not the object it looked like; try an earlier one.
      }
    }
    at = at === 0 ? -1 : text.lastIndexOf(USAGE_KEY, at - 1);
  }
  return null;
}

function usageOf(u: Record<string, unknown>): TokenUsage | null {
  if ("prompt_tokens" in u || "completion_tokens" in u) {
    const pd = u.prompt_tokens_details as Record<string, unknown> | undefined;
    const cd = u.completion_tokens_details as Record<string, unknown> | undefined;
    return {
      inputTokens: count(u.prompt_tokens),
      outputTokens: count(u.completion_tokens),
      cachedInputTokens: count(pd?.cached_tokens),
      reasoningTokens: count(cd?.reasoning_tokens),
    };
  }
  if ("input_tokens" in u || "output_tokens" in u) {
    const cached = count(u.cache_read_input_tokens);
    return {
      // Anthropic counts cache reads apart from input_tokens; the gateway's input includes them.
      inputTokens: count(u.input_tokens) + cached + count(u.cache_creation_input_tokens),
      outputTokens: count(u.output_tokens),
      cachedInputTokens: cached,
    };
  }
  return null;
}

const DATA = Buffer.from("data:");

/** Server-sent `data:` lines in a chunk written to the client: about one per output token in a stream. */
export function dataEvents(chunk: Uint8Array): number {
  const b = asBuffer(chunk);
  let n = 0;
  let at = b.indexOf(DATA);
  while (at >= 0) {
    n++;
    at = b.indexOf(DATA, at + DATA.length);
  }
  return n;
}
