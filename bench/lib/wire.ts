import { completionBody, streamEvents } from "../../test/fakes/openai-wire.ts";

/**
 * The fixed bodies the benchmark's mock upstream answers with, in OpenAI's exact wire format (shared with the
 * test fakes). They are built once: the mock must cost as little as possible per request so it is never what
 * a run measures.
 */
export interface MockWire {
  /** A `chat.completion` body with usage. */
  readonly completion: Buffer;
  /** The SSE events of a streamed completion, each framed, `[DONE]` last. */
  readonly events: readonly Buffer[];
}

/** How many SSE events a streamed answer has: role, text pieces, finish, usage and `[DONE]`. */
export const STREAM_EVENTS = 16;

const USAGE = { prompt_tokens: 24, completion_tokens: 12, total_tokens: 36 };
const ID = "chatcmpl-bench0000000000000000000000";
const MODEL = "gpt-4o-mini-2024-07-18";
const CREATED = 1_750_000_000;

/** Builds the bodies; text pieces are chosen so the stream has exactly {@link STREAM_EVENTS} events. */
export function mockWire(): MockWire {
  // role + pieces + finish + usage + [DONE]
  const pieces = Array.from({ length: STREAM_EVENTS - 4 }, (_, i) => (i === 0 ? "Bench" : ` token${i}`));
  const events = streamEvents(ID, MODEL, CREATED, pieces, USAGE).map((e) => Buffer.from(e));
  if (events.length !== STREAM_EVENTS) throw new Error(`expected ${STREAM_EVENTS} events, built ${events.length}`);
  return { completion: Buffer.from(completionBody(ID, MODEL, CREATED, pieces.join(""), USAGE)), events };
}

/** The request body the load generator sends: a short chat, streamed or not, model set by the target. */
export function chatRequestBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: "You are a helpful assistant. Answer briefly." },
      { role: "user", content: "Summarise the benefits of a gateway in front of LLM providers in one sentence." },
    ],
    temperature: 0.2,
    max_tokens: 64,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}
