import type { LocalContext, LocalResponse, UpstreamTarget } from "../types.ts";
import { estimatePromptTokens, estimateTextTokens } from "./estimate-tokens.ts";

const encoder = new TextEncoder();

/** An OpenAI chat request as the mock reads it: only `messages` matters, every other field is ignored. */
export interface MockChatRequest {
  readonly messages?: unknown;
  readonly [field: string]: unknown;
}

/** 32-bit FNV-1a; enough to derive a stable id from the request without a crypto dependency. */
function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (m && m.role === "user" && typeof m.content === "string") return m.content;
  }
  return "";
}

/**
 * The reply text: fixed wording plus facts about the request, so tests can predict it exactly and
 * different prompts still get different answers. It never echoes the prompt itself.
 */
export function mockReplyText(req: MockChatRequest, target: UpstreamTarget): string {
  const count = Array.isArray(req.messages) ? req.messages.length : 0;
  const chars = lastUserText(req.messages).length;
  return `This is a mock reply from ${target.upstreamModel}. You sent ${count} message(s); the last user message had ${chars} characters.`;
}

interface MockFacts {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly text: string;
  readonly usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

function facts(req: MockChatRequest, target: UpstreamTarget, ctx: LocalContext): MockFacts {
  const text = mockReplyText(req, target);
  const seedText = `${JSON.stringify(req.messages ?? null)}|${target.upstreamModel}|${ctx.nowMs}`;
  const id = `chatcmpl-mock-${fnv1a(seedText, 0x811c9dc5).toString(16).padStart(8, "0")}${fnv1a(seedText, 0x9747b28c).toString(16).padStart(8, "0")}`;
  const prompt = estimatePromptTokens(req.messages);
  const completion = estimateTextTokens(text);
  return {
    id,
    created: Math.floor(ctx.nowMs / 1000),
    model: target.upstreamModel,
    text,
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** A non-streaming answer: one `chat.completion` object, as OpenAI returns it. */
export function mockCompletion(req: MockChatRequest, target: UpstreamTarget, ctx: LocalContext): LocalResponse {
  const f = facts(req, target, ctx);
  const body = {
    id: f.id,
    object: "chat.completion",
    created: f.created,
    model: f.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: f.text, refusal: null },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: f.usage,
    system_fingerprint: null,
  };
  return {
    status: 200,
    headers: { "content-type": "application/json" },
    chunks: [encoder.encode(JSON.stringify(body))],
  };
}

/**
 * A streaming answer as OpenAI's SSE: a role chunk, one chunk per word, a chunk with `finish_reason`, a
 * final chunk with empty `choices` carrying `usage`, then `[DONE]`. Usage is always sent so the gateway's
 * accounting sees the same numbers whether or not the client asked for them.
 */
export function mockStream(req: MockChatRequest, target: UpstreamTarget, ctx: LocalContext): LocalResponse {
  const f = facts(req, target, ctx);
  const base = {
    id: f.id,
    object: "chat.completion.chunk",
    created: f.created,
    model: f.model,
    system_fingerprint: null,
  };
  const choice = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const events: unknown[] = [choice({ role: "assistant", content: "" }, null)];
  const words = f.text.split(" ");
  words.forEach((w, i) => {
    events.push(choice({ content: i === 0 ? w : ` ${w}` }, null));
  });
  events.push(choice({}, "stop"));
  events.push({ ...base, choices: [], usage: f.usage });
  const chunks = events.map((e) => encoder.encode(`data: ${JSON.stringify(e)}\n\n`));
  chunks.push(encoder.encode("data: [DONE]\n\n"));
  return {
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
    chunks,
  };
}
