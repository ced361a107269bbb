import { describe, expect, it } from "vitest";
import { keySlot } from "./key-slot.ts";
import { WINDOW_CODE, windowBounds } from "./windows.ts";

describe("windowBounds", () => {
  it("fixed windows are multiples of their length since the epoch", () => {
    const t = Date.UTC(2026, 11, 7, 5, 43, 21, 789);
    expect(windowBounds(t, WINDOW_CODE.second)).toEqual([t - 789, t - 789 + 1000]);
    expect(windowBounds(t, WINDOW_CODE.minute)).toEqual([Date.UTC(2026, 11, 7, 5, 43), Date.UTC(2026, 11, 7, 5, 44)]);
    expect(windowBounds(t, WINDOW_CODE.hour)).toEqual([Date.UTC(2026, 11, 7, 5), Date.UTC(2026, 11, 7, 6)]);
    expect(windowBounds(t, WINDOW_CODE.day)).toEqual([Date.UTC(2026, 11, 7), Date.UTC(2026, 11, 8)]);
  });

  it("month is the UTC calendar month, leap Februaries included", () => {
    expect(windowBounds(Date.UTC(2024, 1, 29, 23, 59, 59, 999), 5)).toEqual([
      Date.UTC(2024, 1, 1),
      Date.UTC(2024, 2, 1),
    ]);
    expect(windowBounds(Date.UTC(2026, 11, 31, 23, 59, 59, 999), 5)).toEqual([
      Date.UTC(2026, 11, 1),
      Date.UTC(2027, 0, 1),
    ]);
    expect(windowBounds(Date.UTC(2027, 0, 1), 5)[0]).toBe(Date.UTC(2027, 0, 1));
  });
});

describe("keySlot", () => {
  it("matches Redis Cluster's slots, hashing only the hash tag", () => {
    expect(keySlot("123456789")).toBe(0x31c3 % 16384);
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("{user1000}.following")).toBe(keySlot("{user1000}.followers"));
    expect(keySlot("sy:lim:{consumer:a}:requests:minute")).toBe(keySlot("consumer:a"));
    expect(keySlot("foo{}{bar}")).toBe(keySlot("foo{}{bar}"));
  });
});
