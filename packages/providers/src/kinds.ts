import type { ProviderKind } from "@switchyard/policy";

/**
 * Every provider kind this package has an adapter for. It is a superset of policy's `PROVIDER_KINDS` until
 * policy lists the new kinds too; the type check below keeps it a superset.
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
