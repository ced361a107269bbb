import type { TokenUsage } from "@switchyard/providers";

/** How much of a body's end is searched for its usage object; OpenAI's, with its details, is under 1 KiB. */
export const TAIL_BYTES = 4096;

const USAGE_KEY = Buffer.from('"usage"');
const COLON = 58;
const OPEN_BRACE = 123;

/**
 * The end (exclusive) of the JSON object starting at `from` (a `{`), or -1 when it does not close within the
 * bytes. Scans bytes: every structural character is ASCII, and no byte of a multi-byte UTF-8 sequence can look
 * like one.
 */
function objectEnd(b: Buffer, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < b.length; i++) {
    const ch = b[i]!;
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

function skipSpace(b: Buffer, i: number): number {
  while (i < b.length) {
    const c = b[i]!;
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}

/**
 * The token usage in the last usage object of a body's last {@link TAIL_BYTES}, in OpenAI's shape
 * (`prompt_tokens`, `completion_tokens`, details) or Anthropic's (`input_tokens`, `output_tokens`,
 * `cache_read_input_tokens`). Used for answers that pass through untranslated, which the adapter does not
 * parse: the proxy keeps references to the last chunks (no copy while streaming) and reads them once at the
 * end, in one pass over the bytes: the last `"usage":{` is found from the end, the object is delimited by its
 * braces and the counts are read from it. `JSON.parse` building the object, decoding to a string, or a native
 * `Buffer.indexOf` per key each cost more than the whole pass on the hot path.
 */
export function usageFromTail(chunks: readonly Uint8Array[]): TokenUsage | null {
  if (chunks.length === 0) return null;
  const tail = tailOf(chunks);
  const floor = Math.max(0, tail.length - TAIL_BYTES);
  for (
    let at = lastUsageKey(tail, tail.length - USAGE_KEY.length, floor);
    at >= 0;
    at = lastUsageKey(tail, at - 1, floor)
  ) {
    // `"usage"`, a colon and an object: `"usage":null` (OpenAI's streamed events) or the word in text is skipped.
    let i = skipSpace(tail, at + USAGE_KEY.length);
    if (tail[i] !== COLON) continue;
    i = skipSpace(tail, i + 1);
    if (tail[i] !== OPEN_BRACE) continue;
    const end = objectEnd(tail, i);
    if (end > 0) return usageOf(tail, i, end);
  }
  return null;
}

/** The last `"usage"` starting at or before `from` and not before `floor`, or -1. */
function lastUsageKey(b: Buffer, from: number, floor: number): number {
  const k = USAGE_KEY;
  const last = k.length - 1;
  for (let i = from; i >= floor; i--) {
    if (b[i] !== 34 || b[i + last] !== 34) continue;
    let j = 1;
    while (j < last && b[i + j] === k[j]) j++;
    if (j === last) return i;
  }
  return -1;
}

/** The usage keys read, as bytes (without quotes), by their index in {@link usageOf}'s counts. */
const KEYS = [
  "prompt_tokens",
  "completion_tokens",
  "cached_tokens",
  "reasoning_tokens",
  "input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_creation_input_tokens",
].map((k) => Buffer.from(k));
const [PROMPT, COMPLETION, CACHED, REASONING, INPUT, OUTPUT, CACHE_READ, CACHE_CREATION] = [0, 1, 2, 3, 4, 5, 6, 7];

/** The index in {@link KEYS} of the key `b[start, end)`, or -1. */
function keyIndex(b: Buffer, start: number, end: number): number {
  const len = end - start;
  for (let k = 0; k < KEYS.length; k++) {
    const key = KEYS[k]!;
    if (key.length !== len) continue;
    let j = 0;
    while (j < len && b[start + j] === key[j]) j++;
    if (j === len) return k;
  }
  return -1;
}

/** A digit, `.`, `e`, `E`, `+` or `-`: the bytes of a JSON number. */
function isNumberByte(d: number): boolean {
  return (d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45;
}

/** The JSON number at `i` as a count: a finite non-negative number floored, anything else 0. */
function countAt(b: Buffer, i: number, to: number): number {
  let n = 0;
  let j = i;
  for (; j < to; j++) {
    const c = b[j]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  if (j === i) return 0; // null, a string, a negative number, an object
  const c = b[j];
  if (c !== 46 && c !== 101 && c !== 69) return n;
  // A fraction or an exponent (no provider sends one): the whole number, read as JSON reads it.
  let k = j;
  while (k < to && isNumberByte(b[k]!)) k++;
  const v = Number(b.toString("latin1", i, k));
  return Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}

/**
 * The counts in the usage object `b[from, to)`, one pass: every `"key":` at any depth (the detail counts are
 * nested, and their names are unique within a usage object); a later duplicate wins, as in `JSON.parse`.
 */
function usageOf(b: Buffer, from: number, to: number): TokenUsage | null {
  const n = [-1, -1, -1, -1, -1, -1, -1, -1];
  let i = from + 1;
  while (i < to) {
    if (b[i] !== 34) {
      i++;
      continue;
    }
    const start = i + 1;
    let j = start;
    while (j < to && b[j] !== 34) j += b[j] === 92 ? 2 : 1;
    let k = skipSpace(b, j + 1);
    if (b[k] !== COLON) {
      i = k; // a string value
      continue;
    }
    k = skipSpace(b, k + 1);
    const which = keyIndex(b, start, j);
    if (which >= 0) n[which] = countAt(b, k, to);
    i = k;
  }
  const z = (v: number) => (v < 0 ? 0 : v);
  if (n[PROMPT]! >= 0 || n[COMPLETION]! >= 0) {
    return {
      inputTokens: z(n[PROMPT]!),
      outputTokens: z(n[COMPLETION]!),
      cachedInputTokens: z(n[CACHED]!),
      reasoningTokens: z(n[REASONING]!),
    };
  }
  if (n[INPUT]! >= 0 || n[OUTPUT]! >= 0) {
    const cached = z(n[CACHE_READ]!);
    return {
      // Anthropic counts cache reads apart from input_tokens; the gateway's input includes them.
      inputTokens: z(n[INPUT]!) + cached + z(n[CACHE_CREATION]!),
      outputTokens: z(n[OUTPUT]!),
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
