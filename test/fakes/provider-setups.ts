import type { ProviderSpec } from "@switchyard/policy";
import { type AdapterKind, adapterFor, type HttpProviderAdapter } from "@switchyard/providers";
import { type AdapterGateway, startAdapterGateway } from "./adapter-gateway.ts";
import { anthropicWire } from "./anthropic-wire.ts";
import { type FakeUpstream, startFakeUpstream, type WireFormat } from "./fake-upstream.ts";
import { geminiWire } from "./gemini-wire.ts";
import { ollamaWire } from "./ollama-wire.ts";
import { openAIFormatWire } from "./openai-format-wire.ts";

/** The provider credential the fakes expect. */
export const UPSTREAM_KEY = "upstream-provider-key";

/** The HTTP kinds, each with its fake's wire format and the base path a real deployment would configure. */
export const HTTP_KINDS: Readonly<
  Record<Exclude<AdapterKind, "mock">, { wire: () => WireFormat; basePath: string; model: string }>
> = {
  openai: { wire: () => openAIFormatWire({ apiKey: UPSTREAM_KEY }), basePath: "/v1", model: "gpt-4o-mini" },
  "openai-compatible": {
    wire: () => openAIFormatWire({ apiKey: UPSTREAM_KEY }),
    basePath: "/v1",
    model: "llama-3.1-8b",
  },
  "azure-openai": {
    wire: () => openAIFormatWire({ apiKey: UPSTREAM_KEY, azure: true }),
    basePath: "",
    model: "gpt-4o-prod",
  },
  anthropic: { wire: () => anthropicWire(UPSTREAM_KEY), basePath: "/v1", model: "claude-sonnet-4-5" },
  gemini: { wire: () => geminiWire(UPSTREAM_KEY), basePath: "/v1beta", model: "gemini-2.5-flash" },
  ollama: { wire: () => ollamaWire(), basePath: "", model: "llama3.2" },
};

/** A fake upstream of one kind with the reference gateway in front of it. */
export interface ProviderSetup {
  readonly fake: FakeUpstream;
  readonly gateway: AdapterGateway;
  close(): Promise<void>;
}

/** Starts the fake and the gateway for a kind, as the data plane would compile that provider. */
export async function startProviderSetup(
  kind: keyof typeof HTTP_KINDS,
  opts: { strict?: boolean } = {},
): Promise<ProviderSetup> {
  const k = HTTP_KINDS[kind];
  const adapter = adapterFor(kind) as HttpProviderAdapter;
  const spec: ProviderSpec = {
    id: "p",
    name: kind,
    kind: kind as ProviderSpec["kind"],
    baseUrl: "",
    apiKey: UPSTREAM_KEY,
    connectTimeoutMs: 1000,
    firstByteTimeoutMs: 1000,
    apiVersion: null,
    allowInternal: false,
  };
  const fake = await startFakeUpstream(k.wire());
  const target = { basePath: k.basePath, upstreamModel: k.model, headers: adapter.staticHeaders(spec) };
  const gateway = await startAdapterGateway({ adapter, target, origin: fake.origin, strict: opts.strict === true });
  return {
    fake,
    gateway,
    close: async () => {
      await gateway.close();
      await fake.close();
    },
  };
}
