import { describe, expect, it } from "vitest";
import {
  consumerCreateSchema,
  consumerUpdateSchema,
  groupCreateSchema,
  limitCreateSchema,
  limitUpdateSchema,
  priceCreateSchema,
  providerCreateSchema,
  providerUpdateSchema,
  routeCreateSchema,
  routeUpdateSchema,
} from "./schemas.ts";
import { PROVIDER_KINDS } from "./types.ts";

const route = { alias: "gpt", providerId: "00000000-0000-4000-8000-000000000001", upstreamModel: "gpt-4o" };

describe("provider schemas", () => {
  it("accept every provider kind", () => {
    for (const kind of PROVIDER_KINDS) {
      const r = providerCreateSchema.safeParse({ name: "p", kind, baseUrl: "https://api.example.com/v1" });
      expect(r.success, kind).toBe(true);
    }
  });

  it("accept apiVersion for azure-openai only, and refuse it elsewhere naming the field", () => {
    const azure = providerCreateSchema.parse({
      name: "az",
      kind: "azure-openai",
      baseUrl: "https://res.openai.azure.com",
      apiVersion: "2025-04-01-preview",
    });
    expect(azure.apiVersion).toBe("2025-04-01-preview");
    const other = providerCreateSchema.safeParse({
      name: "o",
      kind: "openai",
      baseUrl: "https://api.openai.com/v1",
      apiVersion: "2024-10-21",
    });
    expect(other.success).toBe(false);
    expect(other.error?.issues.map((i) => i.path.join("."))).toEqual(["apiVersion"]);
    // null is the default and harmless on any kind.
    expect(
      providerCreateSchema.safeParse({ name: "o", kind: "openai", baseUrl: "https://x.example", apiVersion: null })
        .success,
    ).toBe(true);
  });

  it("refuse an apiVersion that is not a short token", () => {
    for (const bad of ["", "2024&api-key=x", "a b", "x".repeat(65)]) {
      const r = providerUpdateSchema.safeParse({ apiVersion: bad });
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(["apiVersion"]);
    }
    expect(providerUpdateSchema.parse({ apiVersion: null })).toEqual({ apiVersion: null });
  });
});

describe("provider allowInternal", () => {
  it("defaults to false on create, stays absent on update, and must be a boolean", () => {
    const base = { name: "p", kind: "ollama", baseUrl: "http://ollama:11434" };
    expect(providerCreateSchema.parse(base).allowInternal).toBe(false);
    expect(providerCreateSchema.parse({ ...base, allowInternal: true }).allowInternal).toBe(true);
    expect(providerUpdateSchema.parse({ name: "q" })).toEqual({ name: "q" });
    expect(providerUpdateSchema.parse({ allowInternal: false })).toEqual({ allowInternal: false });
    const bad = providerCreateSchema.safeParse({ ...base, allowInternal: "true" });
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["allowInternal"]);
  });
});

describe("route schemas", () => {
  it("default strict to false on create", () => {
    expect(routeCreateSchema.parse(route).strict).toBe(false);
    expect(routeCreateSchema.parse({ ...route, strict: true }).strict).toBe(true);
    expect(routeCreateSchema.safeParse({ ...route, strict: "yes" }).success).toBe(false);
  });

  it("leave absent fields absent on update, so a PATCH never resets strict", () => {
    expect(routeUpdateSchema.parse({ upstreamModel: "m" })).toEqual({ upstreamModel: "m" });
    expect(routeUpdateSchema.parse({ strict: true })).toEqual({ strict: true });
    expect(routeUpdateSchema.safeParse({ unknown: 1 }).success).toBe(false);
  });
});

describe("limits", () => {
  const base = { kind: "requests", window: "minute", scope: "consumer", scopeId: "c1", limit: 10 };
  const issue = (body: unknown) => {
    const r = limitCreateSchema.safeParse(body);
    return r.success ? null : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  };

  it("fills defaults: fail-closed, enforce, unpriced refused, no cutoff", () => {
    expect(limitCreateSchema.parse(base)).toEqual({
      ...base,
      failurePolicy: "fail-closed",
      mode: "enforce",
      onUnpriced: "deny",
      streamCutoff: false,
    });
  });

  it("still accepts the first release's failure policy names", () => {
    expect(limitCreateSchema.parse({ ...base, failurePolicy: "deny" }).failurePolicy).toBe("fail-closed");
    expect(limitCreateSchema.parse({ ...base, failurePolicy: "allow" }).failurePolicy).toBe("fail-open");
    expect(limitUpdateSchema.parse({ failurePolicy: "allow" }).failurePolicy).toBe("fail-open");
    expect(issue({ ...base, failurePolicy: "maybe" })).toMatch(/^failurePolicy/);
  });

  it("names the field when fields do not fit together", () => {
    expect(issue({ ...base, kind: "concurrency" })).toMatch(/^window: concurrency limits have no window/);
    expect(issue({ ...base, kind: "concurrency", window: null })).toBeNull();
    expect(issue({ ...base, window: undefined })).toMatch(/^window: window is required/);
    expect(issue({ ...base, scope: "global" })).toMatch(/^scopeId/);
    expect(issue({ ...base, scope: "global", scopeId: "" })).toBeNull();
    expect(issue({ ...base, scopeId: "" })).toMatch(/^scopeId: scopeId is required/);
    expect(issue({ ...base, limit: 1.5 })).toMatch(/^limit: a requests limit is a whole number/);
    expect(issue({ ...base, kind: "cost_usd", window: "day", limit: 12.345678 })).toBeNull();
    expect(issue({ ...base, kind: "cost_usd", window: "day", limit: 0.0000001 })).toMatch(/^limit: a USD limit/);
    expect(issue({ ...base, onUnpriced: "allow" })).toMatch(/^onUnpriced/);
    expect(issue({ ...base, kind: "cost_usd", window: "month", onUnpriced: "allow" })).toBeNull();
    expect(issue({ ...base, streamCutoff: true })).toMatch(/^streamCutoff/);
    expect(issue({ ...base, kind: "output_tokens", streamCutoff: true })).toBeNull();
  });
});

describe("groups and prices", () => {
  it("validates a price and defaults the cached-input price to the input price", () => {
    expect(priceCreateSchema.parse({ model: "gpt-4o", inputPerMTok: 2.5, outputPerMTok: 10 })).toEqual({
      model: "gpt-4o",
      inputPerMTok: 2.5,
      outputPerMTok: 10,
      cachedInputPerMTok: null,
    });
    expect(priceCreateSchema.safeParse({ model: "gpt-4o", inputPerMTok: -1, outputPerMTok: 10 }).success).toBe(false);
  });

  it("accepts a group id on a consumer, and null to leave the group", () => {
    const id = "3f2b8c1e-8a4d-4c7e-9f1a-2b3c4d5e6f70";
    expect(consumerCreateSchema.parse({ name: "a", groupId: id }).groupId).toBe(id);
    expect(consumerCreateSchema.parse({ name: "a" }).groupId).toBeNull();
    expect(consumerUpdateSchema.parse({ groupId: null }).groupId).toBeNull();
    expect(groupCreateSchema.safeParse({ name: "" }).success).toBe(false);
  });
});
