import { describe, expect, it } from "vitest";
import { apiKey, consumer, snapshot } from "../testing/snapshot-fixture.ts";
import { patchKeys } from "./compile-keys.ts";
import { isLayered, layeredKeys, MAX_LAYERED_CHANGES } from "./layered-keys.ts";
import type { KeyGrant } from "./types.ts";

const grant = (consumerId: string): KeyGrant => ({ consumerId, groupId: null });

describe("layered key map", () => {
  it("reads changes over the base, counts and iterates what is visible, and leaves the base alone", () => {
    const base = new Map([
      ["a", grant("c1")],
      ["b", grant("c1")],
    ]);
    const keys = layeredKeys(
      base,
      new Map([
        ["b", null],
        ["c", grant("c2")],
        ["a", grant("c3")],
      ]),
    );
    expect(keys.size).toBe(2);
    expect(keys.get("a")).toEqual(grant("c3"));
    expect(keys.get("b")).toBeUndefined();
    expect(keys.has("b")).toBe(false);
    expect(keys.has("c")).toBe(true);
    expect(new Map(keys)).toEqual(
      new Map([
        ["a", grant("c3")],
        ["c", grant("c2")],
      ]),
    );
    expect([...keys.keys()].sort()).toEqual(["a", "c"]);
    expect(base.size).toBe(2);
    expect(base.get("b")).toEqual(grant("c1"));
  });

  it("gives up (a flat rebuild) once the layer grows past its limit", () => {
    const prev = snapshot({ consumers: [consumer("c1")], apiKeys: [apiKey("sk-1", "c1")] });
    const next = snapshot({ consumers: [consumer("c1")], apiKeys: [apiKey("sk-1", "c1"), apiKey("sk-2", "c1")] });
    const full = new Map([["x", grant("c1")]]);
    const small = patchKeys(prev.config, full, next.config);
    expect(small && isLayered(small)).toBe(true);
    const big = layeredKeys(
      full,
      new Map(Array.from({ length: MAX_LAYERED_CHANGES }, (_, i) => [`h${i}`, grant("c1")] as const)),
    );
    expect(patchKeys(prev.config, big, next.config)).toBeNull();
  });
});
