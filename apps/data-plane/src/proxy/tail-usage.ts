import type { TokenUsage } from "@switchyard/providers";

/** How much of a body's end is searched for its usage object; OpenAI's, with its details, is under 1 KiB. */
export const TAIL_BYTES = 4096;

const USAGE_KEY = '"usage"';

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}

/** The JSON object starting at `from` (a `{`), or null when it does not close within the text. */
function objectAt(text: string, from: number): string | null {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++;
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123) depth++;
    else if (ch === 125 && --depth === 0) return text.slice(from, i + 1);
  }
  return null;
}

/**
 * The token usage in the last usage object of a body's tail, in OpenAI's shape (`prompt_tokens`,
 * `completion_tokens`, details) or Anthropic's (`input_tokens`, `output_tokens`, `cache_read_input_tokens`).
 * Used for answers that pass through untranslated, which the adapter does not parse: the proxy keeps
 * references to the last chunks (no copy while streaming) and reads them once at the end.
 */
export function usageFromTail(chunks: readonly Uint8Array[]): TokenUsage | null {
  let size = 0;
  const parts: Uint8Array[] = [];
  for (let i = chunks.length - 1; i >= 0 && size < TAIL_BYTES; i--) {
    parts.unshift(chunks[i]!);
    size += chunks[i]!.byteLength;
  }
  const text = Buffer.concat(parts).toString("utf8");
  let at = text.lastIndexOf(USAGE_KEY);
  while (at >= 0) {
    const open = text.indexOf("{", at + USAGE_KEY.length);
    const json = open < 0 ? null : objectAt(text, open);
    if (json !== null) {
      try {
        return usageOf(JSON.parse(json) as Record<string, unknown>);
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
  const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let n = 0;
  let at = b.indexOf(DATA);
  while (at >= 0) {
    n++;
    at = b.indexOf(DATA, at + DATA.length);
  }
  return n;
}
