import { err, ok, type Result } from "@switchyard/errors";
import { ANTHROPIC_NAME_OF, anthropicRequestToOpenAI } from "../anthropic/client-request.ts";
import { openAICompletionToAnthropic } from "../anthropic/response.ts";
import { anthropicStreamEncoder } from "../anthropic/stream-encoder.ts";
import type { ClientCall, ClientResponse, PreparedCall, UpstreamHead, UpstreamTarget } from "../types.ts";
import { BadRequest, badRequest } from "./bad-request.ts";
import { translatingTransformer } from "./chunk-sink.ts";
import { type ErrorInfo, renderError } from "./error-info.ts";
import { isObject, type JsonObject, parseJson } from "./json.ts";
import { openAIStreamEncoder } from "./openai-stream-encoder.ts";
import { type OpenAIChatRequest, type OpenAIUsage, tokenUsageOf } from "./openai-types.ts";
import { sameFormatStream } from "./same-format-stream.ts";
import type { DecodeContext, UpstreamCodec } from "./upstream-codec.ts";
import { headerValue, upstreamError } from "./upstream-error.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
const UNREADABLE: ErrorInfo = {
  status: 502,
  message: "The upstream provider returned a response that could not be read.",
};

/** Unix seconds from the upstream's `date` header, 0 when it sent none. */
function createdOf(head: UpstreamHead): number {
  const t = Date.parse(headerValue(head.headers, "date") ?? "");
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

function json(status: number, value: unknown) {
  return { status, headers: { "content-type": "application/json" }, body: encoder.encode(JSON.stringify(value)) };
}

/** Mutable per-call usage, read by `PreparedCall.usage`. */
interface UsageBox {
  value: OpenAIUsage | null;
}

function errorResponse(call: ClientCall, codec: UpstreamCodec, head: UpstreamHead): ClientResponse {
  return {
    mode: "buffer",
    finish: (b) => renderError(call.format, upstreamError(codec.dialect, head, decoder.decode(b))),
  };
}

function checkOpenAIChat(body: JsonObject): OpenAIChatRequest {
  if (!Array.isArray(body.messages))
    return badRequest("'messages' is a required property and must be an array.", "messages");
  body.messages.forEach((m, i) => {
    if (!isObject(m) || typeof m.role !== "string") badRequest(`Invalid message at messages[${i}].`, `messages[${i}]`);
  });
  return body as OpenAIChatRequest;
}

/** Parameters of a translated call the target drops, named in the client's format. */
export function unsupportedOf(codec: UpstreamCodec, call: ClientCall): { hub: OpenAIChatRequest; names: string[] } {
  const body = { ...call.body } as JsonObject;
  const dropped: string[] = [];
  const hub = call.format === "anthropic" ? anthropicRequestToOpenAI(body, dropped) : checkOpenAIChat(body);
  const names = codec.unsupported(hub).map((n) => (call.format === "anthropic" ? (ANTHROPIC_NAME_OF[n] ?? n) : n));
  return { hub, names: [...dropped, ...names] };
}

function embeddings(codec: UpstreamCodec, call: ClientCall, target: UpstreamTarget, box: UsageBox): PreparedCall {
  const e = codec.embeddings;
  if (call.format !== "openai") badRequest("Embeddings are only served in OpenAI's format, at POST /v1/embeddings.");
  if (!e)
    badRequest(
      `Embeddings are not available for this model: its provider (kind ${codec.kind}) has no embeddings API.`,
      "model",
    );
  const body = { ...call.body } as JsonObject;
  if (body.input === undefined) badRequest("'input' is a required property.", "input");
  const request = e.request(body, target);
  const respond = (head: UpstreamHead): ClientResponse => {
    if (head.status < 200 || head.status > 299) return errorResponse(call, codec, head);
    const translate = e.response;
    if (!translate) {
      const type = headerValue(head.headers, "content-type") ?? "application/json";
      return { mode: "pipe", status: head.status, headers: { "content-type": type }, transformer: null };
    }
    return {
      mode: "buffer",
      finish(b) {
        try {
          const out = translate(parseJson(decoder.decode(b)), target.upstreamModel, body.encoding_format);
          if (isObject(out.usage)) box.value = { ...(out.usage as unknown as OpenAIUsage), completion_tokens: 0 };
          return json(200, out);
        } catch {
          return renderError("openai", UNREADABLE);
        }
      },
    };
  };
  return { request, respond, usage: () => (box.value ? tokenUsageOf(box.value) : null) };
}

function sameFormatChat(codec: UpstreamCodec, call: ClientCall, target: UpstreamTarget, box: UsageBox): PreparedCall {
  const body = call.body as JsonObject;
  const request = codec.nativeChat!(body, target, call);
  const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
  const respond = (head: UpstreamHead): ClientResponse => {
    if (head.status < 200 || head.status > 299) return errorResponse(call, codec, head);
    if (body.stream !== true) {
      const type = headerValue(head.headers, "content-type") ?? "application/json";
      return { mode: "pipe", status: head.status, headers: { "content-type": type }, transformer: null };
    }
    const t = sameFormatStream(call.format, { includeUsage });
    return {
      mode: "pipe",
      status: head.status,
      headers: SSE_HEADERS,
      transformer: {
        onChunk: (b) => t.onChunk(b),
        onEnd() {
          const out = t.onEnd();
          box.value = t.usage();
          return out;
        },
      },
    };
  };
  return { request, respond, usage: () => (box.value ? tokenUsageOf(box.value) : null) };
}

function translatedChat(codec: UpstreamCodec, call: ClientCall, target: UpstreamTarget, box: UsageBox): PreparedCall {
  const { hub, names } = unsupportedOf(codec, call);
  if (call.strict === true && names.length > 0) {
    const list = names.map((n) => `'${n}'`).join(", ");
    badRequest(
      `Unsupported parameter: ${list} cannot be honoured by this route's provider (kind ${codec.kind}), and the route is in strict mode.`,
      names[0],
    );
  }
  const { request, jsonTool } = codec.chat(hub, target);
  const includeUsage = isObject(call.body.stream_options) && call.body.stream_options.include_usage === true;
  const respond = (head: UpstreamHead): ClientResponse => {
    if (head.status < 200 || head.status > 299) return errorResponse(call, codec, head);
    const ctx: DecodeContext = { jsonTool, created: createdOf(head) };
    if (hub.stream === true) {
      const out = call.format === "openai" ? openAIStreamEncoder({ includeUsage }) : anthropicStreamEncoder();
      const t = translatingTransformer((sink) => codec.streamDecoder(sink, ctx), out);
      const onEnd = () => {
        const tail = t.onEnd();
        box.value = out.usage();
        return tail;
      };
      return { mode: "pipe", status: 200, headers: SSE_HEADERS, transformer: { onChunk: t.onChunk, onEnd } };
    }
    return {
      mode: "buffer",
      finish(b) {
        try {
          const completion = codec.completion(parseJson(decoder.decode(b)), ctx);
          box.value = completion.usage ?? null;
          return json(200, call.format === "openai" ? completion : openAICompletionToAnthropic(completion));
        } catch {
          return renderError(call.format, UNREADABLE);
        }
      },
    };
  };
  return { request, respond, usage: () => (box.value ? tokenUsageOf(box.value) : null) };
}

/**
 * Prepares one client call for an upstream kind: embeddings; a chat call in the upstream's own format
 * (passed through with only `model` replaced); or a chat call translated through OpenAI's format, with
 * strict mode applied. Expected failures come back as an {@link ErrorInfo} for the client's format.
 */
export function prepareCall(
  codec: UpstreamCodec,
  call: ClientCall,
  target: UpstreamTarget,
): Result<PreparedCall, ErrorInfo> {
  const box: UsageBox = { value: null };
  try {
    if (call.operation === "embeddings") return ok(embeddings(codec, call, target, box));
    if (call.format === codec.native && codec.nativeChat) return ok(sameFormatChat(codec, call, target, box));
    return ok(translatedChat(codec, call, target, box));
  } catch (e) {
    if (e instanceof BadRequest) return err({ status: 400, message: e.message, param: e.param });
    throw e;
  }
}
