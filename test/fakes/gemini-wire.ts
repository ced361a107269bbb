import { randomBytes } from "node:crypto";
import { type FakeScript, textPieces } from "./fake-script.ts";
import type { WireFormat, WireRequest, WireResponse } from "./fake-upstream.ts";
import { fakeVector } from "./vectors.ts";

/**
 * Google's Gemini API (v1 and v1beta) as generativelanguage.googleapis.com writes it (from the public API
 * reference): pretty-printed JSON, `streamGenerateContent?alt=sse` events separated by `\r\n\r\n`, function
 * calls whole in one part (the first with a `thoughtSignature`), usage on every event, and google.rpc error
 * bodies whose retry hint is a `RetryInfo` detail rather than a header.
 */
const STATUS: Record<number, [string, string]> = {
  400: ["INVALID_ARGUMENT", "Request contains an invalid argument."],
  403: [
    "PERMISSION_DENIED",
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  ],
  404: ["NOT_FOUND", "models/unknown is not found for API version v1beta, or is not supported for generateContent."],
  429: ["RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details."],
  500: [
    "INTERNAL",
    "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  ],
  503: ["UNAVAILABLE", "The model is overloaded. Please try again later."],
  504: ["DEADLINE_EXCEEDED", "Deadline expired before operation could complete."],
};

/** The thought signature the fake attaches to the first function call (opaque base64, as Gemini's are). */
export const FAKE_THOUGHT_SIGNATURE = "CiQB0e2Kb+/fake/signature==";

const headers = () => ({
  "content-type": "application/json; charset=UTF-8",
  "x-goog-request-id": randomBytes(8).toString("hex"),
  "server-timing": "gfet4t7; dur=321",
});

function errorResponse(status: number, retry = 0, message?: string, details?: unknown[]): WireResponse {
  const [s, m] = STATUS[status] ?? ["UNKNOWN", `Error ${status}`];
  const d =
    details ??
    (status === 429 ? [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${retry}s` }] : undefined);
  const error = { code: status, message: message ?? m, status: s, ...(d ? { details: d } : {}) };
  return { status, headers: headers(), body: `${JSON.stringify({ error }, null, 2)}\n` };
}

function usage(s: FakeScript, output: number) {
  return {
    promptTokenCount: s.usage.input,
    candidatesTokenCount: output,
    totalTokenCount: s.usage.input + output + (s.usage.reasoning ?? 0),
    ...(s.usage.cached ? { cachedContentTokenCount: s.usage.cached } : {}),
    ...(s.usage.reasoning ? { thoughtsTokenCount: s.usage.reasoning } : {}),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: s.usage.input }],
  };
}

function callParts(s: FakeScript) {
  return s.toolCalls.map((tc, i) => ({
    functionCall: { name: tc.name, args: tc.arguments },
    ...(i === 0 ? { thoughtSignature: FAKE_THOUGHT_SIGNATURE } : {}),
  }));
}

const finishOf = (s: FakeScript) => (s.finish === "length" ? "MAX_TOKENS" : "STOP");

/** The Gemini wire format for {@link startFakeUpstream}; the key is checked against `apiKey`. */
export function geminiWire(apiKey: string): WireFormat {
  return {
    checkAuth(req: WireRequest) {
      const key = req.headers["x-goog-api-key"] ?? req.query.get("key");
      if (key === undefined || key === null) return errorResponse(403);
      if (key !== apiKey) {
        const details = [
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" },
        ];
        return errorResponse(400, 0, "API key not valid. Please pass a valid API key.", details);
      }
      return null;
    },
    route(req) {
      const m = /^\/v1(?:beta)?\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(
        req.path,
      );
      if (req.method !== "POST" || !m) return errorResponse(404);
      const model = decodeURIComponent(m[1] as string);
      if (m[2] === "batchEmbedContents") return { op: "embeddings", stream: false, model };
      const body = req.body as { contents?: unknown } | null;
      if (!body || !Array.isArray(body.contents))
        return errorResponse(400, 0, "* GenerateContentRequest.contents: contents is not specified");
      return { op: "chat", stream: m[2] === "streamGenerateContent", model };
    },
    error: (status, retry) => errorResponse(status, retry),
    completion(s, model) {
      const parts = [...(s.text !== "" ? [{ text: s.text }] : []), ...callParts(s)];
      const body = {
        candidates: [{ content: { parts, role: "model" }, finishReason: finishOf(s), index: 0 }],
        usageMetadata: usage(s, s.usage.output),
        modelVersion: model,
        responseId: randomBytes(12).toString("base64url"),
      };
      return { status: 200, headers: headers(), body: `${JSON.stringify(body, null, 2)}\n` };
    },
    stream(s, model, req) {
      if (req.query.get("alt") !== "sse") throw new Error("the fake only streams with alt=sse");
      const responseId = randomBytes(12).toString("base64url");
      const pieces = s.text === "" ? [] : textPieces(s.text);
      const events: unknown[] = pieces.map((text, i) => ({
        candidates: [{ content: { parts: [{ text }], role: "model" }, index: 0 }],
        usageMetadata: usage(s, i + 1),
        modelVersion: model,
        responseId,
      }));
      const last: Record<string, unknown> = {
        content: { parts: callParts(s), role: "model" },
        finishReason: finishOf(s),
        index: 0,
      };
      if (s.toolCalls.length === 0) last.content = { parts: [{ text: "" }], role: "model" };
      events.push({ candidates: [last], usageMetadata: usage(s, s.usage.output), modelVersion: model, responseId });
      return {
        contentType: "text/event-stream",
        headers: { ...headers(), "content-type": "text/event-stream" },
        frames: events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`),
      };
    },
    streamError: () =>
      `data: ${JSON.stringify({ error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } })}\r\n\r\n`,
    embeddings(req) {
      const b = req.body as { requests?: { content?: { parts?: { text?: string }[] } }[] };
      const embeddings = (b.requests ?? []).map((r) => ({ values: fakeVector(r.content?.parts?.[0]?.text ?? "") }));
      return { status: 200, headers: headers(), body: `${JSON.stringify({ embeddings }, null, 2)}\n` };
    },
  };
}
