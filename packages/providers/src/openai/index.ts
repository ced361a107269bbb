import { openAIFormatAdapter } from "../shared/openai-format.ts";

/** OpenAI itself: OpenAI's wire format, and a key is always needed. */
export const openAIAdapter = openAIFormatAdapter({ kind: "openai", requiresApiKey: true, strictOpenAI: true });
