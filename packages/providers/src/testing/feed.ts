import type { ClientResponse, ResponseTransformer } from "../types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Runs bytes through a fresh transformer in the given pieces and returns everything it wrote, as text. */
export function feed(make: () => ResponseTransformer, pieces: readonly Uint8Array[]): string {
  const t = make();
  const out: Uint8Array[] = [];
  for (const p of pieces) {
    const o = t.onChunk(p);
    if (o) out.push(o);
  }
  const tail = t.onEnd();
  if (tail) out.push(tail);
  return out.map((o) => decoder.decode(o)).join("");
}

/**
 * Feeds `text` whole, then split at every byte position, then cut into random pieces, and checks every
 * result equals the whole-feed one; returns that result. Transformers must not depend on chunk boundaries.
 */
export function feedAllSplits(
  make: () => ResponseTransformer,
  text: string,
  check: (a: string, b: string, how: string) => void,
): string {
  const bytes = encoder.encode(text);
  const whole = feed(make, [bytes]);
  for (let i = 1; i < bytes.length; i++)
    check(feed(make, [bytes.subarray(0, i), bytes.subarray(i)]), whole, `split at ${i}`);
  let s = 7;
  for (let round = 0; round < 25; round++) {
    const pieces: Uint8Array[] = [];
    let at = 0;
    while (at < bytes.length) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const n = 1 + (s % 17);
      pieces.push(bytes.subarray(at, at + n));
      at += n;
    }
    check(feed(make, pieces), whole, `random round ${round}`);
  }
  return whole;
}

/** The SSE events of a text as `[event, parsed data]` pairs (data left as text when it is not JSON). */
export function sseEvents(text: string): [string | null, unknown][] {
  return text
    .split("\n\n")
    .filter((e) => e !== "")
    .map((e) => {
      let event: string | null = null;
      let data = "";
      for (const line of e.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        if (line.startsWith("data: ")) data += line.slice(6);
      }
      try {
        return [event, JSON.parse(data)];
      } catch {
        return [event, data];
      }
    });
}

/** The transformer of a `pipe` response; fails the test for any other kind of response. */
export function pipeTransformer(r: ClientResponse): ResponseTransformer {
  if (r.mode !== "pipe" || r.transformer === null)
    throw new Error(`expected a piped, transformed response, got ${r.mode}`);
  return r.transformer;
}

/** The `finish` of a `buffer` response applied to a JSON body; fails the test for a piped response. */
export function finishJson(
  r: ClientResponse,
  body: unknown,
): { status: number; headers: Readonly<Record<string, string>>; json: unknown } {
  if (r.mode !== "buffer") throw new Error("expected a buffered response");
  const out = r.finish(encoder.encode(typeof body === "string" ? body : JSON.stringify(body)));
  return { status: out.status, headers: out.headers, json: JSON.parse(decoder.decode(out.body)) };
}
