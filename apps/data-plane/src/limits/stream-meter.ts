import { type ClientFormat, streamErrorEvent } from "@switchyard/providers";
import type { Amounts, Lease, Limiter } from "@switchyard/ratelimit";
import type { StreamMeter } from "../proxy/forward-http.ts";
import type { ModelPrice } from "./limit-index.ts";

/**
 * Output events (about one token each) between two charges of a metered stream: a stream can overshoot a
 * cut-off limit by at most this many tokens plus what arrives while one charge is in flight (one Redis round
 * trip), per concurrent stream.
 */
export const STREAM_METER_EVENTS = 64;

const CUT_MESSAGE = "The stream was stopped: a token or spending limit that applies to you is exhausted.";
const CUT_EVENTS: Record<ClientFormat, Uint8Array> = {
  openai: Buffer.from(streamErrorEvent("openai", { status: 429, message: CUT_MESSAGE })),
  anthropic: Buffer.from(streamErrorEvent("anthropic", { status: 429, message: CUT_MESSAGE })),
};

/**
 * The meter of one streamed call under a limit with stream cut-off. The first charge carries the prompt's
 * estimate too (it counts towards total-token and cost limits); the limiter charges Redis only once the
 * stream has used up what the call reserved.
 */
export function streamMeter(
  limiter: Limiter,
  lease: Lease,
  reserved: Amounts,
  price: ModelPrice | null,
  format: ClientFormat,
  everyEvents = STREAM_METER_EVENTS,
): StreamMeter {
  let first = true;
  return {
    everyEvents,
    cutEvent: CUT_EVENTS[format],
    charge(events) {
      const input = first ? reserved.inputTokens : 0;
      first = false;
      const cost = price === null ? 0 : Math.ceil(input * price.input + events * price.output);
      return limiter.checkpoint(lease, { inputTokens: input, outputTokens: events, costMicroUsd: cost });
    },
  };
}
