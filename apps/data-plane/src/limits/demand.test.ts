import { describe, expect, it } from "vitest";
import { costMicroUsd, estimateDemand } from "./demand.ts";

const price = { input: 2.5, cachedInput: 1.25, output: 10 };

describe("estimateDemand", () => {
  it("reserves the prompt estimate plus max_completion_tokens, max_tokens or the default", () => {
    const messages = [{ role: "user", content: "x".repeat(400) }];
    const a = estimateDemand({ model: "m", messages, max_completion_tokens: 50, max_tokens: 9 }, "chat", price, 1024);
    expect(a.inputTokens).toBe(106); // 100 text + 3 per message + 3 priming
    expect(a.outputTokens).toBe(50);
    expect(a.costMicroUsd).toBe(Math.ceil(106 * 2.5 + 50 * 10));
    expect(estimateDemand({ model: "m", messages, max_tokens: 9 }, "chat", price, 1024).outputTokens).toBe(9);
    expect(estimateDemand({ model: "m", messages }, "chat", null, 1024)).toEqual({
      inputTokens: 106,
      outputTokens: 1024,
      costMicroUsd: 0,
    });
  });

  it("counts Anthropic's top-level system prompt", () => {
    const a = estimateDemand({ model: "m", system: "y".repeat(40), messages: [], max_tokens: 1 }, "chat", null, 0);
    expect(a.inputTokens).toBe(13);
  });

  it("estimates embeddings input and no output", () => {
    expect(estimateDemand({ model: "m", input: ["abcd", "abcdefgh"] }, "embeddings", null, 1024)).toEqual({
      inputTokens: 3,
      outputTokens: 0,
      costMicroUsd: 0,
    });
    expect(estimateDemand({ model: "m", input: [[1, 2, 3]] }, "embeddings", null, 1024).inputTokens).toBe(3);
  });
});

describe("costMicroUsd", () => {
  it("prices cached input at the cached price, and rounds up to whole micro-dollars", () => {
    expect(costMicroUsd(price, 1000, 400, 100)).toBe(600 * 2.5 + 400 * 1.25 + 100 * 10);
    expect(costMicroUsd({ input: 0.15, cachedInput: 0.075, output: 0.6 }, 1, 0, 0)).toBe(1);
  });
});
