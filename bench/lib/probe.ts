import { request } from "undici";
import type { LoadRequest } from "./load-job.ts";
import { STREAM_EVENTS } from "./wire.ts";

/**
 * Sends one request and checks the answer is what the mock produces (status 200; for a stream, all
 * {@link STREAM_EVENTS} events), returning the full request with the body size every later answer must match.
 */
export async function probe(r: Omit<LoadRequest, "expectedBytes">, stream: boolean): Promise<LoadRequest> {
  const res = await request(r.origin + r.path, {
    method: "POST",
    headers: { ...r.headers, "content-type": "application/json" },
    body: r.body,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`probe of ${r.origin} answered ${res.statusCode}: ${text.slice(0, 200)}`);
  if (stream) {
    const events = text.split("\n\n").filter((e) => e.startsWith("data: ")).length;
    if (events !== STREAM_EVENTS)
      throw new Error(`probe of ${r.origin}: ${events} SSE events, expected ${STREAM_EVENTS}`);
  } else JSON.parse(text);
  return { ...r, expectedBytes: Buffer.byteLength(text) };
}
