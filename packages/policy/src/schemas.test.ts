import { describe, expect, it } from "vitest";
import { providerCreateSchema, providerUpdateSchema, routeCreateSchema, routeUpdateSchema } from "./schemas.ts";
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
