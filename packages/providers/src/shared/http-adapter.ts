import { AppError, err } from "@switchyard/errors";
import type { ProviderSpec } from "@switchyard/policy";
import type { HttpProviderAdapter, ResponseContext, ResponseTransformer } from "../types.ts";
import { BadRequest } from "./bad-request.ts";
import { translatingTransformer } from "./chunk-sink.ts";
import { renderError } from "./error-info.ts";
import { parseJson } from "./json.ts";
import { openAIStreamEncoder } from "./openai-stream-encoder.ts";
import { prepareCall, unsupportedOf } from "./prepare-call.ts";
import type { UpstreamCodec } from "./upstream-codec.ts";
import { upstreamError } from "./upstream-error.ts";

/** The one identity transformer: OpenAI-format upstreams already answer in the client's format. */
const IDENTITY: ResponseTransformer = Object.freeze({
  onChunk: (bytes: Uint8Array) => bytes,
  onEnd: () => null,
});

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Collects a whole body and rewrites it at the end (non-streamed answers, which are small). */
function buffering(rewrite: (body: Uint8Array) => Uint8Array): ResponseTransformer {
  const parts: Uint8Array[] = [];
  return {
    onChunk(bytes) {
      parts.push(bytes);
      return null;
    },
    onEnd() {
      const total = parts.reduce((n, p) => n + p.byteLength, 0);
      const all = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.byteLength;
      }
      return rewrite(all);
    },
  };
}

/** The older API's response side for a translating kind: OpenAI's format, status left as it was. */
function legacyTransformer(codec: UpstreamCodec, ctx: ResponseContext): ResponseTransformer {
  const head = { status: ctx.status, headers: {} };
  if (ctx.status < 200 || ctx.status > 299) {
    return buffering((b) => renderError("openai", upstreamError(codec.dialect, head, decoder.decode(b))).body);
  }
  // Without request state the JSON tool is recognised by its reserved name alone.
  const dctx = { jsonTool: true, created: 0 };
  if (ctx.stream) {
    const out = openAIStreamEncoder({ includeUsage: ctx.includeUsage === true });
    return translatingTransformer((sink) => codec.streamDecoder(sink, dctx), out);
  }
  return buffering((b) => {
    try {
      return encoder.encode(JSON.stringify(codec.completion(parseJson(decoder.decode(b)), dctx)));
    } catch {
      return renderError("openai", {
        status: 502,
        message: "The upstream provider returned a response that could not be read.",
      }).body;
    }
  });
}

/**
 * Builds a provider kind's adapter from its codec: `prepare` (the full API), strict-mode reporting, and the
 * older OpenAI-chat-only methods the current proxy calls. For OpenAI-format kinds those older methods keep
 * their original behaviour exactly (body passed with only `model` replaced, bytes passed through).
 */
export function httpAdapter(codec: UpstreamCodec): HttpProviderAdapter {
  const passthrough = codec.native === "openai";
  return {
    kind: codec.kind,
    transport: "http",
    passthrough,
    validate(spec: ProviderSpec): string | null {
      if (codec.requiresApiKey && (spec.apiKey === null || spec.apiKey === "")) {
        return `a provider of kind ${codec.kind} needs an API key`;
      }
      return null;
    },
    staticHeaders: (spec) => codec.staticHeaders(spec),
    prepare(call, target) {
      const r = prepareCall(codec, call, target);
      return r.ok ? r : err(renderError(call.format, r.error));
    },
    unsupportedParameters(call) {
      if (call.operation !== "chat" || call.format === codec.native) return [];
      try {
        return unsupportedOf(codec, call).names;
      } catch (e) {
        if (e instanceof BadRequest) return [];
        throw e;
      }
    },
    toUpstream(req, target) {
      if (passthrough && codec.nativeChat) {
        return codec.nativeChat(req, target, { format: "openai", operation: "chat", body: req }, { askUsage: false });
      }
      const r = prepareCall(codec, { format: "openai", operation: "chat", body: req }, target);
      if (!r.ok)
        throw new AppError("invalid_request_error", r.error.message, { details: { param: r.error.param ?? null } });
      return r.value.request;
    },
    responseTransformer: (ctx) => (passthrough ? IDENTITY : legacyTransformer(codec, ctx)),
  };
}
