/**
 * What a fake upstream answers, independent of wire format: the assistant's text, its tool calls, why it
 * stopped and the token counts. Each fake renders the same script in its provider's real format, so one
 * expectation checks every provider.
 */
export interface FakeToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

/** One assistant turn. */
export interface FakeScript {
  readonly text: string;
  readonly toolCalls: readonly FakeToolCall[];
  /** `length` means the output limit was hit; otherwise the model stopped (or called tools). */
  readonly finish: "stop" | "length";
  readonly usage: {
    readonly input: number;
    readonly output: number;
    readonly cached?: number;
    readonly reasoning?: number;
  };
}

/** The default turn: plain text. */
export const TEXT_SCRIPT: FakeScript = {
  text: "Hello from the fake upstream. Ünïcödé ✓ 日本語 🎉",
  toolCalls: [],
  finish: "stop",
  usage: { input: 12, output: 9 },
};

/** A turn with two parallel tool calls and some text before them. */
export const TOOL_SCRIPT: FakeScript = {
  text: "Let me check both cities.",
  toolCalls: [
    { id: "call_weather_1", name: "get_weather", arguments: { city: "Paris", unit: "celsius", note: "naïve café" } },
    { id: "call_weather_2", name: "get_weather", arguments: { city: "東京", unit: "celsius" } },
  ],
  finish: "stop",
  usage: { input: 80, output: 40, cached: 16, reasoning: 0 },
};

/** Text split the way providers stream it: word by word, spaces kept with the following word. */
export function textPieces(text: string): string[] {
  return text.split(" ").map((w, i) => (i === 0 ? w : ` ${w}`));
}

/** A JSON string cut into small fragments, as providers stream tool arguments (cuts land anywhere). */
export function jsonPieces(value: unknown, size = 7): string[] {
  const s = JSON.stringify(value);
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}
