import type { TokenUsage } from "@switchyard/providers";

/** How much of a body's end is searched for its usage object; OpenAI's, with its details, is under 1 KiB. */
export const TAIL_BYTES = 4096;

const USAGE_KEY = '"usage"';
const COLON = 58;
const OPEN_BRACE = 123;

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
    else if (ch === OPEN_BRACE) depth++;
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
 * end. The bytes are read as latin1 (a plain copy, no UTF-8 decoding; the usage object's keys and numbers are
 * ASCII), the object is delimited by its braces, and only the counts are read from it: `JSON.parse` building
 * the object cost more than the rest of this function on the hot path.
 */
export function usageFromTail(chunks: readonly Uint8Array[]): TokenUsage | null {
  if (chunks.length === 0) return null;
  const tail = tailOf(chunks);
  const text = tail.toString("latin1", Math.max(0, tail.length - TAIL_BYTES));
  for (let at = text.lastIndexOf(USAGE_KEY); at >= 0; at = at === 0 ? -1 : text.lastIndexOf(USAGE_KEY, at - 1)) {
    // `"usage"`, a colon and an object: `"usage":null` (OpenAI's streamed events) or the word in text is skipped.
    let i = skipSpace(text, at + USAGE_KEY.length);
    if (text.charCodeAt(i) !== COLON) continue;
    i = skipSpace(text, i + 1);
    if (text.charCodeAt(i) !== OPEN_BRACE) continue;
    const end = objectEnd(text, i);
    if (end > 0) return usageOf(text, i, end);
  }
  return null;
}

function skipSpace(t: string, i: number): number {
  let c = t.charCodeAt(i);
  while (c === 32 || c === 9 || c === 10 || c === 13) c = t.charCodeAt(++i);
  return i;
}

/**
 * The count under `key` (quoted, so `"input_tokens"` never matches `"cache_read_input_tokens"`) within the
 * object `t[from, to)`, or -1 when the key is absent; a value that is not a finite non-negative number counts 0.
 * The keys read are unique within a usage object, nested details included.
 */
function field(t: string, from: number, to: number, key: string): number {
  const at = t.indexOf(key, from);
  if (at < 0 || at >= to) return -1;
  let i = skipSpace(t, at + key.length);
  if (t.charCodeAt(i) !== COLON) return 0;
  i = skipSpace(t, i + 1);
  let j = i;
  for (let c = t.charCodeAt(j); (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45; ) {
    c = t.charCodeAt(++j);
  }
  return j === i ? 0 : count(Number(t.slice(i, j)));
}

const orZero = (n: number) => (n < 0 ? 0 : n);

function usageOf(t: string, from: number, to: number): TokenUsage | null {
  const prompt = field(t, from, to, '"prompt_tokens"');
  const completion = field(t, from, to, '"completion_tokens"');
  if (prompt >= 0 || completion >= 0) {
    return {
      inputTokens: orZero(prompt),
      outputTokens: orZero(completion),
      cachedInputTokens: orZero(field(t, from, to, '"cached_tokens"')),
      reasoningTokens: orZero(field(t, from, to, '"reasoning_tokens"')),
    };
  }
  const input = field(t, from, to, '"input_tokens"');
  const output = field(t, from, to, '"output_tokens"');
  if (input >= 0 || output >= 0) {
    const cached = orZero(field(t, from, to, '"cache_read_input_tokens"'));
    return {
      // Anthropic counts cache reads apart from input_tokens; the gateway's input includes them.
      inputTokens: orZero(input) + cached + orZero(field(t, from, to, '"cache_creation_input_tokens"')),
      outputTokens: orZero(output),
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
