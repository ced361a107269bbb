import { describe, expect, it } from "vitest";
import { dataEvents, usageFromTail } from "./tail-usage.ts";

const enc = (s: string) => Buffer.from(s);

describe("usageFromTail", () => {
  it("reads OpenAI's usage with cached and reasoning details, split across chunks", () => {
    const body =
      '{"id":"c1","choices":[{"message":{"content":"a \\"usage\\": {} trap"}}],"usage":{"prompt_tokens":12,' +
      '"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4},' +
      '"completion_tokens_details":{"reasoning_tokens":2}},"system_fingerprint":"fp"}';
    const cut = body.indexOf("completion_tokens");
    expect(usageFromTail([enc(body.slice(0, cut)), enc(body.slice(cut))])).toEqual({
      inputTokens: 12,
      outputTokens: 5,
      cachedInputTokens: 4,
      reasoningTokens: 2,
    });
  });

  it("reads Anthropic's usage, counting cache reads and writes as input", () => {
    const body =
      '{"type":"message","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":10,' +
      '"cache_read_input_tokens":30,"cache_creation_input_tokens":5,"output_tokens":7}}';
    expect(usageFromTail([enc(body)])).toEqual({ inputTokens: 45, outputTokens: 7, cachedInputTokens: 30 });
  });

  it("reads usage after multi-byte text, from the last chunks of a long stream only", () => {
    const events = Array.from({ length: 400 }, (_, i) => `data: {"choices":[{"delta":{"content":"é€😀 ${i}"}}]}\n\n`);
    const last = 'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":400}}\n\ndata: [DONE]\n\n';
    // An earlier usage object beyond the searched tail must not be the one read.
    const chunks = [
      enc('data: {"usage":{"prompt_tokens":99,"completion_tokens":99}}\n\n'),
      ...events.map(enc),
      enc(last),
    ];
    expect(usageFromTail(chunks)).toEqual({
      inputTokens: 3,
      outputTokens: 400,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
    expect(usageFromTail(chunks.slice(0, -1))).toBeNull();
  });

  it("reads pretty-printed usage and number forms, and skips a null usage and the word in text", () => {
    const pretty =
      '{\n  "usage" : {\n    "prompt_tokens" : 1e3,\n    "completion_tokens": -4,\n    "total_tokens": null\n  }\n}';
    expect(usageFromTail([enc(pretty)])).toEqual({
      inputTokens: 1000,
      outputTokens: 0,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
    // OpenAI's streamed events carry "usage":null until the last; the usage object before them is the answer's.
    const stream =
      'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2}}\n\n' +
      'data: {"choices":[{"delta":{"content":"the \\"usage\\" word"}}],"usage":null}\n\n' +
      'data: {"choices":[{"delta":{}}],"usage":null}\n\ndata: [DONE]\n\n';
    expect(usageFromTail([enc(stream)])).toEqual({
      inputTokens: 7,
      outputTokens: 2,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
    expect(usageFromTail([enc('{"usage":{"total":3}}')])).toBeNull();
  });

  it("answers null when there is no usage object, or it is cut", () => {
    expect(usageFromTail([enc('{"data":[{"embedding":[0.1]}]}')])).toBeNull();
    expect(usageFromTail([enc('{"usage":{"prompt_tokens":1')])).toBeNull();
    expect(usageFromTail([])).toBeNull();
  });
});

describe("dataEvents", () => {
  it("counts data lines in a chunk", () => {
    expect(dataEvents(enc('data: {"a":1}\n\ndata: {"b":2}\n\n'))).toBe(2);
    expect(dataEvents(enc("event: ping\n\n"))).toBe(0);
    expect(dataEvents(new Uint8Array(enc("data: [DONE]\n\n")))).toBe(1);
  });
});
