import { PROVIDER_KINDS } from "@switchyard/policy";
import { anthropicAdapter } from "./anthropic/index.ts";
import { azureOpenAIAdapter } from "./azure-openai/index.ts";
import { geminiAdapter } from "./gemini/index.ts";
import type { AdapterKind } from "./kinds.ts";
import { mockAdapter } from "./mock/index.ts";
import { ollamaAdapter } from "./ollama/index.ts";
import { openAIAdapter } from "./openai/index.ts";
import { openAICompatibleAdapter } from "./openai-compatible/index.ts";
import type { ProviderAdapter } from "./types.ts";

/** Every kind must have an adapter; the `Record` type makes a missing one a compile error. */
const ADAPTERS: Readonly<Record<AdapterKind, ProviderAdapter>> = {
  mock: mockAdapter,
  openai: openAIAdapter,
  "azure-openai": azureOpenAIAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  ollama: ollamaAdapter,
  "openai-compatible": openAICompatibleAdapter,
};

/** The adapter of any kind this package implements, whether or not policy lists the kind yet. */
export function adapterFor(kind: string): ProviderAdapter | undefined {
  return Object.hasOwn(ADAPTERS, kind) ? ADAPTERS[kind as AdapterKind] : undefined;
}

const SERVED: ReadonlySet<string> = new Set(PROVIDER_KINDS);

/**
 * The adapter for a provider kind the configuration can hold (policy's `PROVIDER_KINDS`), or undefined for a
 * kind this build does not know (a snapshot from a newer control plane), which the data plane refuses at
 * compile time. Kinds implemented here but not yet listed by policy stay unserved until policy lists them,
 * so the snapshot contract, not this package, decides what a data plane accepts.
 */
export function providerFor(kind: string): ProviderAdapter | undefined {
  return SERVED.has(kind) ? adapterFor(kind) : undefined;
}
