import { estimatePromptTokens, estimateTextTokens, type Operation } from "@switchyard/providers";
import type { Amounts } from "@switchyard/ratelimit";
import type { ModelPrice } from "./limit-index.ts";

/** A call that only counts as one request: nothing to estimate. */
export const NO_TOKENS: Amounts = Object.freeze({ inputTokens: 0, outputTokens: 0, costMicroUsd: 0 });

function positiveInt(v: unknown): number | null {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : null;
}

function textOf(v: unknown): string {
  if (typeof v === "string") return v;
  if (!Array.isArray(v)) return "";
  let s = "";
  for (const part of v) {
    if (typeof part === "string") s += part;
    else if (part !== null && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
      s += (part as { text: string }).text;
    }
  }
  return s;
}

/** The micro-dollars a number of tokens costs at a price (USD per million tokens = micro-dollars per token). */
export function costMicroUsd(price: ModelPrice, input: number, cachedInput: number, output: number): number {
  const uncached = Math.max(0, input - cachedInput);
  return Math.ceil(uncached * price.input + cachedInput * price.cachedInput + output * price.output);
}

/**
 * What a call is expected to consume, reserved before it is sent: the prompt's tokens estimated from its
 * text (about four characters a token, images not counted), plus the output the client allows
 * (`max_completion_tokens`, `max_tokens`) or `defaultOutputTokens` when it sets none; embeddings produce no
 * output. The reservation is settled to the real usage afterwards, so the estimate only decides admission.
 */
export function estimateDemand(
  body: Readonly<Record<string, unknown>>,
  operation: Operation,
  price: ModelPrice | null,
  defaultOutputTokens: number,
): Amounts {
  let inputTokens: number;
  let outputTokens: number;
  if (operation === "embeddings") {
    const input = body.input;
    inputTokens = Array.isArray(input)
      ? input.reduce<number>(
          (n, x) => n + (typeof x === "string" ? estimateTextTokens(x) : Array.isArray(x) ? x.length : 0),
          0,
        )
      : estimateTextTokens(textOf(input));
    outputTokens = 0;
  } else {
    inputTokens = estimatePromptTokens(body.messages) + estimateTextTokens(textOf(body.system));
    outputTokens = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens) ?? defaultOutputTokens;
  }
  return {
    inputTokens,
    outputTokens,
    costMicroUsd: price === null ? 0 : costMicroUsd(price, inputTokens, 0, outputTokens),
  };
}
