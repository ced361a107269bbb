import { describe, expect, it } from "vitest";
import { checkConsistency } from "./consistency.ts";
import { buildSnapshot, canonicalJson, type SnapshotInput } from "./snapshot.ts";
import { SNAPSHOT_SCHEMA_VERSION } from "./types.ts";

const input = (apiVersion: string | null, strict: boolean, kind: "azure-openai" | "openai" = "azure-openai") =>
  ({
    providers: [
      {
        id: "p1",
        name: "az",
        kind,
        baseUrl: "https://res.openai.azure.com",
        apiKey: "k",
        connectTimeoutMs: 1000,
        firstByteTimeoutMs: 1000,
        apiVersion,
        allowInternal: false,
      },
    ],
    routes: [{ id: "r1", alias: "gpt", providerId: "p1", upstreamModel: "dep", strict }],
    consumers: [],
    apiKeys: [],
    limits: [],
    groups: [],
    prices: [],
  }) satisfies SnapshotInput;

describe("canonicalJson", () => {
  it("leaves entity fields added later out while they hold their defaults, so the version only moves when they are set", () => {
    const text = canonicalJson(buildSnapshot(input(null, false)));
    expect(text).not.toContain("apiVersion");
    expect(text).not.toContain("strict");
    // Exactly the text a build without those fields produced.
    expect(text).toBe(
      '{"apiKeys":[],"consumers":[],"groups":[],"limits":[],"prices":[],"providers":[{"apiKey":"k","baseUrl":"https://res.openai.azure.com",' +
        '"connectTimeoutMs":1000,"firstByteTimeoutMs":1000,"id":"p1","kind":"azure-openai","name":"az"}],' +
        `"routes":[{"alias":"gpt","id":"r1","providerId":"p1","upstreamModel":"dep"}],"schemaVersion":${SNAPSHOT_SCHEMA_VERSION}}`,
    );
  });

  it("includes them once set, so the version changes", () => {
    const text = canonicalJson(buildSnapshot(input("2025-04-01-preview", true)));
    expect(text).toContain('"apiVersion":"2025-04-01-preview"');
    expect(text).toContain('"strict":true');
    const inside = buildSnapshot({
      ...input(null, false),
      providers: [{ ...input(null, false).providers[0]!, allowInternal: true }],
    });
    expect(canonicalJson(inside)).toContain('"allowInternal":true');
    expect(canonicalJson(buildSnapshot(input(null, false)))).not.toContain("allowInternal");
  });
});

describe("checkConsistency", () => {
  it("refuses an API version on a kind without one, and an empty one", () => {
    expect(checkConsistency(buildSnapshot(input("2024-10-21", false)), SNAPSHOT_SCHEMA_VERSION)).toEqual([]);
    expect(checkConsistency(buildSnapshot(input("2024-10-21", false, "openai")), SNAPSHOT_SCHEMA_VERSION)).toEqual([
      { entityKind: "provider", entityId: "p1", message: "API version is set on a provider of kind openai" },
    ]);
    expect(checkConsistency(buildSnapshot(input("", false)), SNAPSHOT_SCHEMA_VERSION)).toEqual([
      { entityKind: "provider", entityId: "p1", message: "API version is empty" },
    ]);
  });
});
