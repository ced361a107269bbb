/**
 * Provider adapters: pure request/response transforms, one folder per provider kind. The data plane owns
 * sockets and timeouts; adapters only say what to send and how to rewrite what comes back.
 */

export { estimatePromptTokens, estimateTextTokens } from "./mock/estimate-tokens.ts";
export { mockAdapter } from "./mock/index.ts";
export { openAIAdapter } from "./openai/index.ts";
export { openAICompatibleAdapter } from "./openai-compatible/index.ts";
export { providerFor } from "./provider-for.ts";
export type * from "./types.ts";
