import { describe, expect, it } from "vitest";
import { actualAmounts } from "./call-accounting.ts";

const reserved = { inputTokens: 100, outputTokens: 500, costMicroUsd: 5250 };
const price = { input: 2.5, cachedInput: 1.25, output: 10 };

describe("actualAmounts", () => {
  it("charges reported usage at the model's price", () => {
    const usage = { inputTokens: 80, outputTokens: 20, cachedInputTokens: 40 };
    expect(actualAmounts({ status: 200, usage, events: 0, streamed: false }, reserved, price)).toEqual({
      inputTokens: 80,
      outputTokens: 20,
      costMicroUsd: 40 * 2.5 + 40 * 1.25 + 20 * 10,
    });
  });

  it("charges nothing for a call that failed before any answer", () => {
    for (const status of [0, 400, 429, 502]) {
      expect(actualAmounts({ status, usage: null, events: 0, streamed: true }, reserved, price)).toEqual({
        inputTokens: 0,
        outputTokens: 0,
        costMicroUsd: 0,
      });
    }
  });

  it("charges a stream cut short for its prompt and the events it produced, never zero", () => {
    expect(actualAmounts({ status: 200, usage: null, events: 7, streamed: true }, reserved, price)).toEqual({
      inputTokens: 100,
      outputTokens: 7,
      costMicroUsd: 100 * 2.5 + 7 * 10,
    });
  });

  it("charges the reservation for a complete answer that reported no usage", () => {
    expect(actualAmounts({ status: 200, usage: null, events: 0, streamed: false }, reserved, price)).toBe(reserved);
  });
});
