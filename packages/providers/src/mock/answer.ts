import { err, ok, type Result } from "@switchyard/errors";
import { anthropicRequestToOpenAI } from "../anthropic/client-request.ts";
import { openAICompletionToAnthropic } from "../anthropic/response.ts";
import { anthropicStreamEncoder } from "../anthropic/stream-encoder.ts";
import { BadRequest } from "../shared/bad-request.ts";
import { translatingTransformer } from "../shared/chunk-sink.ts";
import { embeddingList } from "../shared/embedding-list.ts";
import { renderError } from "../shared/error-info.ts";
import { isObject, type JsonObject } from "../shared/json.ts";
import { openAIStreamDecoder } from "../shared/openai-stream-decoder.ts";
import { sameFormatStream } from "../shared/same-format-stream.ts";
import type {
  BufferedResponse,
  ClientCall,
  LocalContext,
  LocalResponse,
  ResponseTransformer,
  UpstreamTarget,
} from "../types.ts";
import { estimateTextTokens } from "./estimate-tokens.ts";
import { mockCompletion, mockStream } from "./mock-completion.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function through(t: ResponseTransformer, res: LocalResponse): LocalResponse {
  const chunks: Uint8Array[] = [];
  for (const c of res.chunks) {
    const out = t.onChunk(c);
    if (out) chunks.push(out);
  }
  const tail = t.onEnd();
  if (tail) chunks.push(tail);
  return { ...res, chunks };
}

/** Deterministic unit-length pseudo-embeddings, so embedding clients can be exercised without a provider. */
function mockEmbeddings(body: JsonObject, target: UpstreamTarget): LocalResponse {
  const inputs =
    typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : [];
  const dims = typeof body.dimensions === "number" && body.dimensions > 0 ? Math.min(body.dimensions, 4096) : 8;
  const vectors = inputs.map((text) => {
    let h = 0x811c9dc5;
    const v = Array.from({ length: dims }, (_, i) => {
      for (const ch of `${i}:${text}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
      return h / 0x1_0000_0000 - 0.5;
    });
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  });
  const tokens = inputs.reduce((n, t) => n + estimateTextTokens(t), 0);
  const list = embeddingList(vectors, target.upstreamModel, tokens, body.encoding_format);
  return {
    status: 200,
    headers: { "content-type": "application/json" },
    chunks: [encoder.encode(JSON.stringify(list))],
  };
}

/**
 * The mock's answer to any client call: OpenAI chat as before (the usage chunk only when asked for),
 * Anthropic Messages through the same translation a real provider's answer takes, and embeddings.
 */
export function mockAnswer(
  call: ClientCall,
  target: UpstreamTarget,
  ctx: LocalContext,
): Result<LocalResponse, BufferedResponse> {
  const body = call.body as JsonObject;
  try {
    if (call.operation === "embeddings") {
      if (call.format !== "openai" || body.input === undefined)
        throw new BadRequest("'input' is a required property.", "input");
      return ok(mockEmbeddings(body, target));
    }
    if (call.format === "openai") {
      if (body.stream !== true) return ok(mockCompletion(body, target, ctx));
      const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
      return ok(through(sameFormatStream("openai", { includeUsage }), mockStream(body, target, ctx)));
    }
    const req = anthropicRequestToOpenAI({ ...body }, []);
    if (req.stream !== true) {
      const res = mockCompletion(req, target, ctx);
      const completion = JSON.parse(decoder.decode(res.chunks[0]));
      return ok({ ...res, chunks: [encoder.encode(JSON.stringify(openAICompletionToAnthropic(completion)))] });
    }
    return ok(
      through(translatingTransformer(openAIStreamDecoder, anthropicStreamEncoder()), mockStream(req, target, ctx)),
    );
  } catch (e) {
    if (e instanceof BadRequest)
      return err(renderError(call.format, { status: 400, message: e.message, param: e.param }));
    throw e;
  }
}
