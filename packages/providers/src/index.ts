/**
 * Provider adapters: pure request/response transforms, one folder per provider kind. The data plane owns
 * sockets and timeouts; adapters only say what to send and how to rewrite what comes back.
 */

export { anthropicAdapter } from "./anthropic/index.ts";
export { azureOpenAIAdapter } from "./azure-openai/index.ts";
export { geminiAdapter } from "./gemini/index.ts";
export { ADAPTER_KINDS, type AdapterKind, ANTHROPIC_API_VERSION, AZURE_DEFAULT_API_VERSION } from "./kinds.ts";
export { estimatePromptTokens, estimateTextTokens } from "./mock/estimate-tokens.ts";
export { mockAdapter } from "./mock/index.ts";
export { ollamaAdapter } from "./ollama/index.ts";
export { openAIAdapter } from "./openai/index.ts";
export { openAICompatibleAdapter } from "./openai-compatible/index.ts";
export { adapterFor, providerFor } from "./provider-for.ts";
export { clientStatus, type ErrorInfo, errorBody, renderError, streamErrorEvent } from "./shared/error-info.ts";
export { createNdjsonSplitter, type NdjsonSplitter } from "./shared/ndjson-splitter.ts";
export type { TokenUsage } from "./shared/openai-types.ts";
export { createSseParser, type SseEvent, type SseParser } from "./shared/sse-parser.ts";
export type * from "./types.ts";
