import { randomBytes } from "node:crypto";
import { type FakeScript, jsonPieces, textPieces } from "./fake-script.ts";
import type { WireFormat, WireRequest, WireResponse } from "./fake-upstream.ts";

/**
 * Anthropic's Messages API as api.anthropic.com writes it (from the public API reference): compact JSON,
 * SSE with an `event:` line per event, a `ping` after the first block starts, an empty first
 * `input_json_delta`, `request-id` and `anthropic-ratelimit-*` headers, and `{"type":"error",…}` bodies.
 */
const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const MESSAGES: Record<number, string> = {
  429: "This request would exceed the rate limit for your organization of 50 requests per minute.",
  529: "Overloaded",
  500: "Internal server error",
};

function headers(): Record<string, string> {
  return {
    "content-type": "application/json",
    "request-id": `req_011C${randomBytes(10).toString("hex")}`,
    "anthropic-organization-id": "00000000-0000-4000-8000-000000000000",
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:01Z",
    "anthropic-ratelimit-input-tokens-limit": "30000",
    "anthropic-ratelimit-input-tokens-remaining": "29000",
    "anthropic-ratelimit-output-tokens-limit": "8000",
    "anthropic-ratelimit-output-tokens-remaining": "8000",
  };
}

function errorResponse(status: number, message: string, extra: Record<string, string> = {}): WireResponse {
  const body = {
    type: "error",
    error: { type: TYPES[status] ?? "api_error", message },
    request_id: `req_${randomBytes(8).toString("hex")}`,
  };
  return { status, headers: { ...headers(), ...extra }, body: JSON.stringify(body) };
}

function usage(s: FakeScript, output: number) {
  return {
    input_tokens: s.usage.input - (s.usage.cached ?? 0),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: s.usage.cached ?? 0,
    output_tokens: output,
    service_tier: "standard",
  };
}

function stopReason(s: FakeScript): string {
  if (s.finish === "length") return "max_tokens";
  return s.toolCalls.length > 0 ? "tool_use" : "end_turn";
}

const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/** The Anthropic wire format for {@link startFakeUpstream}; the key is checked against `apiKey`. */
export function anthropicWire(apiKey: string): WireFormat {
  const id = () => `msg_01${randomBytes(11).toString("base64url")}`;
  return {
    checkAuth(req: WireRequest) {
      // The API takes the key in x-api-key, and newer official SDKs send it as a bearer token.
      const bearer = req.headers.authorization === `Bearer ${apiKey}`;
      if (req.headers["x-api-key"] !== apiKey && !bearer) return errorResponse(401, "invalid x-api-key");
      if (!req.headers["anthropic-version"]) return errorResponse(400, "anthropic-version: header is required");
      return null;
    },
    route(req) {
      if (req.method !== "POST" || req.path !== "/v1/messages") return errorResponse(404, "Not Found");
      const b = req.body as { model?: unknown; max_tokens?: unknown; messages?: unknown; stream?: unknown } | null;
      if (!b || typeof b.model !== "string") return errorResponse(400, "model: Field required");
      if (typeof b.max_tokens !== "number") return errorResponse(400, "max_tokens: Field required");
      if (!Array.isArray(b.messages)) return errorResponse(400, "messages: Field required");
      return { op: "chat", stream: b.stream === true, model: b.model };
    },
    error: (status, retry) =>
      errorResponse(
        status,
        MESSAGES[status] ?? `Error ${status}`,
        status === 429 || status === 529 ? { "retry-after": String(retry) } : {},
      ),
    completion(s, model) {
      const content: unknown[] = [];
      if (s.text !== "") content.push({ type: "text", text: s.text });
      for (const tc of s.toolCalls) content.push({ type: "tool_use", id: tc.id, name: tc.name, input: tc.arguments });
      const body = {
        id: id(),
        type: "message",
        role: "assistant",
        model,
        content,
        stop_reason: stopReason(s),
        stop_sequence: null,
        usage: usage(s, s.usage.output),
      };
      return { status: 200, headers: headers(), body: JSON.stringify(body) };
    },
    stream(s, model) {
      const frames: string[] = [];
      const message = {
        id: id(),
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usage(s, 1),
      };
      frames.push(ev("message_start", { type: "message_start", message }));
      let index = 0;
      if (s.text !== "") {
        frames.push(
          ev("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }),
        );
        frames.push('event: ping\ndata: {"type": "ping"}\n\n');
        for (const p of textPieces(s.text)) {
          frames.push(
            ev("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: p } }),
          );
        }
        frames.push(ev("content_block_stop", { type: "content_block_stop", index }));
        index++;
      }
      for (const tc of s.toolCalls) {
        const content_block = { type: "tool_use", id: tc.id, name: tc.name, input: {} };
        frames.push(ev("content_block_start", { type: "content_block_start", index, content_block }));
        for (const p of ["", ...jsonPieces(tc.arguments)]) {
          frames.push(
            ev("content_block_delta", {
              type: "content_block_delta",
              index,
              delta: { type: "input_json_delta", partial_json: p },
            }),
          );
        }
        frames.push(ev("content_block_stop", { type: "content_block_stop", index }));
        index++;
      }
      const delta = { stop_reason: stopReason(s), stop_sequence: null };
      frames.push(ev("message_delta", { type: "message_delta", delta, usage: { output_tokens: s.usage.output } }));
      frames.push(ev("message_stop", { type: "message_stop" }));
      return {
        contentType: "text/event-stream; charset=utf-8",
        headers: { ...headers(), "cache-control": "no-cache" },
        frames,
      };
    },
    streamError: () =>
      'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
    embeddings: () => errorResponse(404, "Not Found"),
  };
}
