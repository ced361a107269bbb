import { openAIFormatAdapter } from "../shared/openai-format.ts";

/**
 * Any server that speaks OpenAI's API (vLLM, LM Studio, llama.cpp, Groq, Mistral, Together, gateways). Many
 * run without authentication on a private network, so the key is optional and sent only when configured.
 */
export const openAICompatibleAdapter = openAIFormatAdapter({
  kind: "openai-compatible",
  requiresApiKey: false,
  strictOpenAI: false,
});
