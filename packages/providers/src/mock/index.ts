import type { LocalProviderAdapter } from "../types.ts";
import { mockAnswer } from "./answer.ts";

/**
 * The `mock` kind answers like OpenAI (or Anthropic, to Anthropic clients) without any network, so a gateway
 * can be tried, load-tested and tested end to end before any real provider is configured.
 */
export const mockAdapter: LocalProviderAdapter = {
  kind: "mock",
  transport: "local",
  validate: () => null,
  answer: mockAnswer,
};
