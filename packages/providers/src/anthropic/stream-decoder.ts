import { type ChunkSink, onceClosed, type StreamDecoder } from "../shared/chunk-sink.ts";
import { TRUNCATED_STREAM } from "../shared/error-info.ts";
import { isObject, type JsonObject, parseJson, str } from "../shared/json.ts";
import type { FinishReason, OpenAIChunk, OpenAIUsage } from "../shared/openai-types.ts";
import { createSseParser } from "../shared/sse-parser.ts";
import { streamedError } from "../shared/upstream-error.ts";
import { finishReasonOf } from "./response.ts";
import { JSON_TOOL } from "./upstream-request.ts";
import { anthropicUsageToOpenAI } from "./usage.ts";

/**
 * Reads Anthropic's Messages SSE stream into OpenAI chunks. Tool calls get OpenAI indexes counted over tool
 * blocks only (a text block before them does not shift them), and every `input_json_delta` becomes an
 * arguments fragment, the first one included; a tool_use block that already carries input at its start is
 * sent as one fragment. Pings and thinking are skipped. `message_stop` ends the stream with a finish chunk
 * and a usage chunk; an `error` event becomes an error; anything else ending the stream is a truncation.
 */
export function anthropicStreamDecoder(target: ChunkSink, opts: { jsonTool: boolean; created: number }): StreamDecoder {
  const sink = onceClosed(target);
  const parser = createSseParser();
  let id = "";
  let model = "";
  let usage: OpenAIUsage | null = null;
  let finish: FinishReason | null = null;
  /** Anthropic content block index -> OpenAI tool index, or -1 for the JSON tool whose input is content. */
  const tools = new Map<number, number>();
  let nextTool = 0;

  const chunk = (delta: OpenAIChunk["choices"][number]["delta"], finishReason: FinishReason | null = null) =>
    sink.chunk({
      id,
      object: "chat.completion.chunk",
      created: opts.created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });

  const blockStart = (index: number, b: JsonObject) => {
    if (b.type === "text" && typeof b.text === "string" && b.text !== "") chunk({ content: b.text });
    if (b.type !== "tool_use") return;
    if (opts.jsonTool && b.name === JSON_TOOL) return void tools.set(index, -1);
    const t = nextTool++;
    tools.set(index, t);
    const preset = isObject(b.input) && Object.keys(b.input).length > 0 ? JSON.stringify(b.input) : "";
    chunk({
      tool_calls: [
        { index: t, id: String(b.id), type: "function", function: { name: String(b.name), arguments: preset } },
      ],
    });
  };

  const blockDelta = (index: number, d: JsonObject) => {
    if (d.type === "text_delta") return chunk({ content: str(d.text) ?? "" });
    if (d.type !== "input_json_delta") return;
    const part = str(d.partial_json) ?? "";
    const t = tools.get(index);
    if (t === undefined || part === "") return;
    if (t === -1) chunk({ content: part });
    else chunk({ tool_calls: [{ index: t, function: { arguments: part } }] });
  };

  const handle = (event: string | null, data: string) => {
    if (event === "ping") return;
    const v = parseJson(data);
    if (!isObject(v)) return;
    const type = event ?? str(v.type);
    if (type === "error") return sink.error(streamedError("anthropic", v));
    if (type === "message_start" && isObject(v.message)) {
      id = String(v.message.id ?? "");
      model = String(v.message.model ?? "");
      if (isObject(v.message.usage)) usage = anthropicUsageToOpenAI(v.message.usage);
      return chunk({ role: "assistant", content: "" });
    }
    const index = typeof v.index === "number" ? v.index : -1;
    if (type === "content_block_start" && isObject(v.content_block)) return blockStart(index, v.content_block);
    if (type === "content_block_delta" && isObject(v.delta)) return blockDelta(index, v.delta);
    if (type === "message_delta") {
      if (isObject(v.delta) && v.delta.stop_reason) finish = finishReasonOf(v.delta.stop_reason);
      if (isObject(v.usage)) usage = anthropicUsageToOpenAI(v.usage, usage);
      return;
    }
    if (type === "message_stop") {
      const jsonDone = opts.jsonTool && [...tools.values()].includes(-1);
      chunk({}, jsonDone ? "stop" : (finish ?? "stop"));
      if (usage) sink.chunk({ id, object: "chat.completion.chunk", created: opts.created, model, choices: [], usage });
      sink.end();
    }
  };

  return {
    push(bytes) {
      for (const e of parser.push(bytes)) handle(e.event, e.data);
    },
    end() {
      for (const e of parser.end().events) handle(e.event, e.data);
      sink.error(TRUNCATED_STREAM);
    },
  };
}
