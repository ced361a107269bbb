import { describe, expect, it } from "vitest";
import { createNdjsonSplitter } from "./ndjson-splitter.ts";
import { createSseParser, type SseEvent } from "./sse-parser.ts";

const enc = new TextEncoder();

/** A small deterministic PRNG so random splits are reproducible from the seed in a failure message. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 0x1_0000_0000;
  };
}

/** Cuts bytes at the given offsets. */
function cut(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  const points = [0, ...[...at].sort((a, b) => a - b), bytes.length];
  const out: Uint8Array[] = [];
  for (let i = 1; i < points.length; i++) out.push(bytes.subarray(points[i - 1], points[i]));
  return out;
}

function parseAll(chunks: readonly Uint8Array[]): { events: SseEvent[]; truncated: boolean } {
  const p = createSseParser();
  const events: SseEvent[] = [];
  for (const c of chunks) events.push(...p.push(c));
  const end = p.end();
  return { events: [...events, ...end.events], truncated: end.truncated };
}

// Every tricky feature at once: CRLF, lone CR, comments, multi-line data, named events, pings, ids,
// multi-byte characters (2, 3 and 4 bytes), a field without a colon, retry, and an event with no data.
const STREAM =
  ": keep-alive comment\r\n\r\n" +
  'event: message_start\r\ndata: {"t":"héllo"}\r\n\r\n' +
  'event: ping\ndata: {"type": "ping"}\n\n' +
  "data: line one\ndata: line two €\ndata:no-space\n\n" +
  "id: 42\rdata: 🎉 party\r\r" +
  "event: empty\n\n" +
  "retry: 1000\ndata\n\n" +
  "data: last 日本語\n\n";

const EXPECTED: SseEvent[] = [
  { event: "message_start", data: '{"t":"héllo"}' },
  { event: "ping", data: '{"type": "ping"}' },
  { event: null, data: "line one\nline two €\nno-space" },
  { event: null, data: "🎉 party", id: "42" },
  { event: null, data: "" },
  { event: null, data: "last 日本語" },
];

describe("SSE parser", () => {
  const bytes = enc.encode(STREAM);

  it("parses the whole stream into the expected events", () => {
    expect(parseAll([bytes])).toEqual({ events: EXPECTED, truncated: false });
  });

  it("gives the same events for a split at every byte position (including inside UTF-8 and CRLF)", () => {
    for (let i = 0; i <= bytes.length; i++) expect(parseAll(cut(bytes, [i])).events, `split at ${i}`).toEqual(EXPECTED);
  });

  it("gives the same events byte by byte and for random multi-way splits", () => {
    expect(parseAll(cut(bytes, [...bytes.keys()])).events).toEqual(EXPECTED);
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const n = 1 + Math.floor(r() * 12);
      const at = Array.from({ length: n }, () => Math.floor(r() * (bytes.length + 1)));
      expect(parseAll(cut(bytes, at)).events, `seed ${seed}`).toEqual(EXPECTED);
    }
  });

  it("discards an unterminated last event and reports the truncation", () => {
    const res = parseAll([enc.encode("data: a\n\ndata: partial")]);
    expect(res).toEqual({ events: [{ event: null, data: "a" }], truncated: true });
    expect(parseAll([enc.encode("data: a\n\ndata: b\n")]).truncated).toBe(true);
  });

  it("strips a leading byte order mark", () => {
    expect(parseAll([new Uint8Array([0xef, 0xbb]), new Uint8Array([0xbf]), enc.encode("data: x\n\n")]).events).toEqual([
      { event: null, data: "x" },
    ]);
  });
});

describe("NDJSON splitter", () => {
  const text = '{"a":"é"}\n{"b":"🎉"}\r\n\n  \n{"c":"日本"}';
  const bytes = enc.encode(text);
  const expected = ['{"a":"é"}', '{"b":"🎉"}', '{"c":"日本"}'];
  const run = (chunks: Uint8Array[]) => {
    const s = createNdjsonSplitter();
    return [...chunks.flatMap((c) => s.push(c)), ...s.end()];
  };

  it("splits at every byte position and at random positions into the same lines", () => {
    for (let i = 0; i <= bytes.length; i++) expect(run(cut(bytes, [i])), `split at ${i}`).toEqual(expected);
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const at = Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * (bytes.length + 1)));
      expect(run(cut(bytes, at)), `seed ${seed}`).toEqual(expected);
    }
  });
});
