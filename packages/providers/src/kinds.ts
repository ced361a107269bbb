import type { ProviderKind } from "@switchyard/policy";

/**
 * Every provider kind this package has an adapter for: the same list as policy's `PROVIDER_KINDS`, and the type
 * check below keeps it at least that (an adapter may land here before policy lists its kind).
 */
export const ADAPTER_KINDS = [
  "openai",
  "azure-openai",
  "anthropic",
  "gemini",
  "ollama",
  "openai-compatible",
  "mock",
] as const;

/** One provider kind with an adapter. */
export type AdapterKind = (typeof ADAPTER_KINDS)[number];

/** Compile-time proof that every kind policy knows has an adapter kind. */
export type PolicyKindsCovered = ProviderKind extends AdapterKind ? true : never;
const covered: PolicyKindsCovered = true;
void covered;

/** The Azure OpenAI API version used when a provider does not set one (the newest GA data-plane version). */
export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

/** The Anthropic API version translated requests are written for. */
export const ANTHROPIC_API_VERSION = "2023-06-01";
