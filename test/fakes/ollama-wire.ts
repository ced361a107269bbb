import { type FakeScript, textPieces } from "./fake-script.ts";
import type { WireFormat, WireRequest, WireResponse } from "./fake-upstream.ts";
import { fakeVector, inputTexts } from "./vectors.ts";

/**
 * Ollama's native API as `ollama serve` writes it (from its API docs): `/api/chat` answering one JSON
 * object or, by default, an NDJSON stream (`application/x-ndjson`) whose last line has `done: true`,
 * `done_reason` and the counters; tool calls whole, with arguments as objects; errors as `{"error": "…"}`.
 */
const CREATED = "2026-01-01T12:00:00.123456789Z";
const headers = () => ({ "content-type": "application/json; charset=utf-8" });

function errorResponse(status: number, message: string): WireResponse {
  return { status, headers: headers(), body: JSON.stringify({ error: message }) };
}

const MESSAGES: Record<number, string> = {
  400: "invalid request",
  404: 'model "unknown" not found, try pulling it first',
  429: "too many requests",
  500: "llama runner process has terminated: exit status 2",
  503: "server busy, please try again.  maximum pending requests exceeded",
};

function counters(s: FakeScript) {
  return {
    total_duration: 5_043_500_667,
    load_duration: 5_025_959,
    prompt_eval_count: s.usage.input,
    prompt_eval_duration: 325_953_000,
    eval_count: s.usage.output,
    eval_duration: 4_709_213_000,
  };
}

const calls = (s: FakeScript) => s.toolCalls.map((tc) => ({ function: { name: tc.name, arguments: tc.arguments } }));

/** The Ollama wire format for {@link startFakeUpstream}; Ollama has no authentication. */
export function ollamaWire(): WireFormat {
  return {
    checkAuth: () => null,
    route(req: WireRequest) {
      const b = (req.body ?? {}) as { model?: unknown; stream?: unknown };
      if (req.method !== "POST" || (req.path !== "/api/chat" && req.path !== "/api/embed"))
        return { status: 404, headers: { "content-type": "text/plain" }, body: "404 page not found" };
      if (typeof b.model !== "string" || b.model === "") return errorResponse(400, "model is required");
      return { op: req.path === "/api/embed" ? "embeddings" : "chat", stream: b.stream !== false, model: b.model };
    },
    error: (status) => errorResponse(status, MESSAGES[status] ?? `error ${status}`),
    completion(s, model) {
      const message = {
        role: "assistant",
        content: s.text,
        ...(s.toolCalls.length > 0 ? { tool_calls: calls(s) } : {}),
      };
      const body = {
        model,
        created_at: CREATED,
        message,
        done_reason: s.finish === "length" ? "length" : "stop",
        done: true,
        ...counters(s),
      };
      return { status: 200, headers: headers(), body: JSON.stringify(body) };
    },
    stream(s, model) {
      const lines = (s.text === "" ? [] : textPieces(s.text)).map((content) =>
        JSON.stringify({ model, created_at: CREATED, message: { role: "assistant", content }, done: false }),
      );
      if (s.toolCalls.length > 0)
        lines.push(
          JSON.stringify({
            model,
            created_at: CREATED,
            message: { role: "assistant", content: "", tool_calls: calls(s) },
            done: false,
          }),
        );
      lines.push(
        JSON.stringify({
          model,
          created_at: CREATED,
          message: { role: "assistant", content: "" },
          done_reason: s.finish === "length" ? "length" : "stop",
          done: true,
          ...counters(s),
        }),
      );
      return { contentType: "application/x-ndjson", headers: {}, frames: lines.map((l) => `${l}\n`) };
    },
    streamError: () =>
      `${JSON.stringify({ error: "an error was encountered while running the model: unexpected EOF" })}\n`,
    embeddings(req, model) {
      const texts = inputTexts((req.body as { input?: unknown }).input);
      const body = {
        model,
        embeddings: texts.map((t) => fakeVector(t)),
        total_duration: 14_143_917,
        load_duration: 1_019_500,
        prompt_eval_count: texts.length * 2,
      };
      return { status: 200, headers: headers(), body: JSON.stringify(body) };
    },
  };
}
