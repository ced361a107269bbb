import { describe, expect, it } from "vitest";
import { sameFormatStream } from "./same-format-stream.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Runs the transformer over the text cut into pieces of `size` bytes; returns what it wrote. */
function relay(text: string, size: number, includeUsage = true, asBuffer = false) {
  const t = sameFormatStream("openai", { includeUsage });
  const bytes = asBuffer ? Buffer.from(text) : enc.encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const o = t.onChunk(bytes.subarray(i, i + size));
    if (o) out.push(o);
  }
  const tail = t.onEnd();
  if (tail) out.push(tail);
  return { text: out.map((o) => dec.decode(o)).join(""), chunks: out, usage: t.usage() };
}

const delta = (i: number) =>
  `data: {"id":"c","choices":[{"index":0,"delta":{"content":"ü${i}"},"finish_reason":null}],"usage":null}\n\n`;
const finish = 'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n';
const usage = 'data: {"id":"c","choices":[],"usage" : {"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}\n\n';
const done = "data: [DONE]\n\n";

describe("sameFormatStream (OpenAI)", () => {
  it("passes content events through byte for byte, comments and ids included, at any chunking", () => {
    const deltas = `: keep-alive\n\nid: 7\n${delta(1)}${delta(2)}`;
    for (const [size, asBuffer] of [1, 7, 64, 100_000].flatMap((n) => [[n, false] as const, [n, true] as const])) {
      const r = relay(deltas + finish + usage + done, size, true, asBuffer);
      expect(r.text).toBe(deltas + finish + usage + done);
      expect(r.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    }
  });

  it("never writes half an event: a chunk ending mid-event holds the rest back", () => {
    const first = delta(1);
    const cut = first.length + 10;
    const all = first + delta(2);
    const t = sameFormatStream("openai", { includeUsage: true });
    expect(dec.decode(t.onChunk(enc.encode(all.slice(0, cut)))!)).toBe(first);
    expect(dec.decode(t.onChunk(enc.encode(all.slice(cut)))!)).toBe(delta(2));
  });

  it("drops the usage chunk a client did not ask for, still recording it", () => {
    const r = relay(delta(1) + finish + usage + done, 50, false);
    expect(r.text).toBe(delta(1) + finish + done);
    expect(r.usage?.total_tokens).toBe(7);
  });

  it("sees an upstream error event and a spaced finish reason as the stream's end, adding nothing", () => {
    const error = 'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n';
    expect(relay(delta(1) + error, 5).text).toBe(delta(1) + error);
    const spacedFinish = finish.replace('"finish_reason":"stop"', '"finish_reason" : "stop"');
    expect(relay(delta(1) + spacedFinish, 11).text).toBe(`${delta(1) + spacedFinish}data: [DONE]\n\n`);
  });

  it("parses streams with CRLF line ends, and ends a cut stream with an error event", () => {
    const crlf = (delta(1) + usage).replaceAll("\n", "\r\n");
    const r = relay(crlf, 9);
    expect(r.usage?.total_tokens).toBe(7);
    expect(r.text).toContain('"content":"ü1"');
    expect(r.text).toContain('"error"');
  });
});
