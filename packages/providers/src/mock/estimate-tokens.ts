/**
 * Roughly four characters per token, the usual rule of thumb for English text with BPE tokenizers; the mock
 * needs plausible counts (so usage accounting has something real to add up), not exact ones.
 */
const CHARS_PER_TOKEN = 4;

/** Tokens OpenAI adds around each message for the role and separators. */
const TOKENS_PER_MESSAGE = 3;

/** Tokens that prime the assistant's reply. */
const REPLY_PRIMING_TOKENS = 3;

/** Tokens a text of this length would take, at least one for any non-empty text. */
export function estimateTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  // Multi-part content: only the text parts count; images and audio are billed differently upstream.
  return content
    .map((part) =>
      part !== null && typeof part === "object" && typeof (part as { text?: unknown }).text === "string"
        ? (part as { text: string }).text
        : "",
    )
    .join("");
}

/** Estimated prompt tokens of an OpenAI `messages` array; anything not shaped like messages counts as empty. */
export function estimatePromptTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return REPLY_PRIMING_TOKENS;
  let tokens = REPLY_PRIMING_TOKENS;
  for (const m of messages) {
    tokens += TOKENS_PER_MESSAGE;
    if (m !== null && typeof m === "object")
      tokens += estimateTextTokens(contentText((m as { content?: unknown }).content));
  }
  return tokens;
}
