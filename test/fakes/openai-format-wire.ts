import { randomBytes } from "node:crypto";
import { type FakeScript, jsonPieces, textPieces } from "./fake-script.ts";
import type { WireFormat, WireRequest, WireResponse } from "./fake-upstream.ts";
import { openAIHeaders } from "./openai-wire.ts";
import { fakeVector, inputTexts, vectorBase64 } from "./vectors.ts";

/**
 * OpenAI's chat completions and embeddings wire format with tool calls, for the fake OpenAI-compatible and
 * Azure OpenAI upstreams. Azure differs in addressing (`/openai/deployments/{deployment}/…?api-version=`),
 * in its `api-key` header, in its error bodies (`code` as a string, no `type`), in `retry-after-ms`, and in
 * a first stream chunk with empty `choices` carrying `prompt_filter_results`.
 */
export interface OpenAIFormatWireOptions {
  readonly apiKey: string;
  readonly azure?: boolean;
}

const OPENAI_ERRORS: Record<number, [string, string, string | null]> = {
  400: ["Invalid request.", "invalid_request_error", null],
  404: ["The model does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"],
  429: ["Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"],
  500: ["The server had an error while processing your request. Sorry about that!", "server_error", null],
  503: ["The engine is currently overloaded, please try again later.", "server_error", null],
};

function usageOf(s: FakeScript) {
  return {
    prompt_tokens: s.usage.input,
    completion_tokens: s.usage.output,
    total_tokens: s.usage.input + s.usage.output,
    prompt_tokens_details: { cached_tokens: s.usage.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: s.usage.reasoning ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function finishOf(s: FakeScript): string {
  if (s.finish === "length") return "length";
  return s.toolCalls.length > 0 ? "tool_calls" : "stop";
}

/** The OpenAI (or Azure OpenAI) wire format for {@link startFakeUpstream}. */
export function openAIFormatWire(opts: OpenAIFormatWireOptions): WireFormat {
  const azure = opts.azure === true;
  const headers = (extra: Record<string, string> = {}) => ({
    ...openAIHeaders(`req_${randomBytes(16).toString("hex")}`, 3),
    "content-type": "application/json",
    ...(azure ? { "apim-request-id": randomBytes(16).toString("hex"), "x-ms-region": "Sweden Central" } : {}),
    ...extra,
  });
  const errorResponse = (status: number, retry = 0): WireResponse => {
    const [message, type, code] = OPENAI_ERRORS[status] ?? [`Error ${status}`, "server_error", null];
    const body = azure ? { error: { code: String(status), message } } : { error: { message, type, param: null, code } };
    const extra: Record<string, string> =
      status === 429
        ? azure
          ? { "retry-after": String(retry), "retry-after-ms": String(retry * 1000) }
          : { "retry-after": String(retry) }
        : {};
    return { status, headers: headers(extra), body: `${JSON.stringify(body, null, 2)}\n` };
  };
  const unauthorized: WireResponse = azure
    ? {
        status: 401,
        headers: headers(),
        body: JSON.stringify({
          error: {
            code: "401",
            message:
              "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
          },
        }),
      }
    : {
        status: 401,
        headers: headers(),
        body: `${JSON.stringify({ error: { message: "Incorrect API key provided: sk-wrong***. You can find your API key at https://platform.openai.com/account/api-keys.", type: "invalid_request_error", param: null, code: "invalid_api_key" } }, null, 2)}\n`,
      };
  const notFound: WireResponse = {
    status: 404,
    headers: headers(),
    body: JSON.stringify({ error: { code: "404", message: "Resource not found" } }),
  };

  const chunk = (id: string, model: string, delta: unknown, finish: string | null, withUsage: boolean) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1_763_000_000, model, system_fingerprint: "fp_fake", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(withUsage ? { usage: null } : {}) })}\n\n`;

  return {
    checkAuth(req: WireRequest) {
      const ok = azure ? req.headers["api-key"] === opts.apiKey : req.headers.authorization === `Bearer ${opts.apiKey}`;
      return ok ? null : unauthorized;
    },
    route(req) {
      const b = (req.body ?? {}) as { model?: unknown; stream?: unknown };
      let op: string | undefined;
      let model = typeof b.model === "string" ? b.model : "";
      if (azure) {
        const m = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(req.path);
        if (!m || !req.query.get("api-version")) return notFound;
        model = decodeURIComponent(m[1] as string);
        op = m[2];
      } else {
        op =
          req.path === "/v1/chat/completions"
            ? "chat/completions"
            : req.path === "/v1/embeddings"
              ? "embeddings"
              : undefined;
        if (!op) return errorResponse(404);
        if (model === "") return errorResponse(400);
      }
      return { op: op === "embeddings" ? "embeddings" : "chat", stream: b.stream === true, model };
    },
    error: errorResponse,
    completion(s, model) {
      const tool_calls = s.toolCalls.map((tc) => ({
        id: tc.id,
        type: "function",
        function: { name: tc.name, arguments: JSON.stringify(tc.arguments) },
      }));
      const message = {
        role: "assistant",
        content: s.text === "" ? null : s.text,
        refusal: null,
        annotations: [],
        ...(tool_calls.length > 0 ? { tool_calls } : {}),
      };
      const body = {
        id: `chatcmpl-${randomBytes(12).toString("base64url")}`,
        object: "chat.completion",
        created: 1_763_000_000,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishOf(s) }],
        usage: usageOf(s),
        system_fingerprint: "fp_fake",
      };
      return { status: 200, headers: headers(), body: `${JSON.stringify(body, null, 2)}\n` };
    },
    stream(s, model, req) {
      const includeUsage =
        (req.body as { stream_options?: { include_usage?: unknown } }).stream_options?.include_usage === true;
      const id = `chatcmpl-${randomBytes(12).toString("base64url")}`;
      const frames: string[] = [];
      if (azure)
        frames.push(
          `data: ${JSON.stringify({ choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: "safe" } } }] })}\n\n`,
        );
      frames.push(chunk(id, model, { role: "assistant", content: "", refusal: null }, null, includeUsage));
      if (s.text !== "")
        for (const p of textPieces(s.text)) frames.push(chunk(id, model, { content: p }, null, includeUsage));
      s.toolCalls.forEach((tc, index) => {
        frames.push(
          chunk(
            id,
            model,
            { tool_calls: [{ index, id: tc.id, type: "function", function: { name: tc.name, arguments: "" } }] },
            null,
            includeUsage,
          ),
        );
        for (const p of jsonPieces(tc.arguments))
          frames.push(chunk(id, model, { tool_calls: [{ index, function: { arguments: p } }] }, null, includeUsage));
      });
      frames.push(chunk(id, model, {}, finishOf(s), includeUsage));
      if (includeUsage)
        frames.push(
          `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1_763_000_000, model, system_fingerprint: "fp_fake", choices: [], usage: usageOf(s) })}\n\n`,
        );
      frames.push("data: [DONE]\n\n");
      return { contentType: "text/event-stream; charset=utf-8", headers: headers(), frames };
    },
    streamError: () =>
      `data: ${JSON.stringify({ error: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null } })}\n\n`,
    embeddings(req, model) {
      const b = req.body as { input?: unknown; encoding_format?: unknown };
      const texts = inputTexts(b.input);
      const data = texts.map((t, index) => ({
        object: "embedding",
        index,
        embedding: b.encoding_format === "base64" ? vectorBase64(fakeVector(t)) : fakeVector(t),
      }));
      const tokens = texts.reduce((n, t) => n + t.split(" ").length, 0);
      const body = { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
      return { status: 200, headers: headers(), body: JSON.stringify(body) };
    },
  };
}
