import { badRequest } from "../shared/bad-request.ts";
import { parseDataUrl } from "../shared/data-url.ts";
import { isObject, type JsonObject, parseJson } from "../shared/json.ts";
import { unknownFields } from "../shared/known-fields.ts";
import type { OpenAIChatRequest, OpenAIMessage } from "../shared/openai-types.ts";

const KNOWN = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "top_k",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "seed",
  "presence_penalty",
  "frequency_penalty",
  "response_format",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "stream",
  "stream_options",
  "n",
]);

/** OpenAI request fields an Ollama target cannot honour (strict mode rejects them, the default drops them). */
export function ollamaUnsupported(req: OpenAIChatRequest): string[] {
  return unknownFields(req, KNOWN, (k, v) => {
    if (k === "n") return v !== 1;
    if (k === "parallel_tool_calls") return v === false;
    if (k === "tool_choice") return v !== "auto" && v !== "none";
    return false;
  });
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (isObject(p) && p.type === "text" ? String(p.text ?? "") : "")).join("");
}

/** Ollama takes images only as raw base64 beside the text; it fetches no URLs. */
function imagesOf(content: unknown, at: string): string[] {
  if (!Array.isArray(content)) return [];
  const images: string[] = [];
  for (const [j, p] of content.entries()) {
    if (!isObject(p) || p.type === "text") continue;
    const pat = `${at}.content[${j}]`;
    if (p.type !== "image_url") {
      badRequest(`Content parts of type '${String(p.type)}' cannot be sent to an Ollama model.`, pat);
    }
    const d = parseDataUrl(isObject(p.image_url) ? String(p.image_url.url ?? "") : "");
    if (!d) badRequest("Ollama models take images as base64 data URLs only, not web URLs.", pat);
    images.push(d.data);
  }
  return images;
}

function messages(list: OpenAIMessage[]): JsonObject[] {
  const names = new Map<string, string>();
  return list.map((m, i) => {
    const at = `messages[${i}]`;
    if (m.role === "system" || m.role === "developer") return { role: "system", content: textOf(m.content) };
    if (m.role === "user") {
      const images = imagesOf(m.content, at);
      return images.length > 0
        ? { role: "user", content: textOf(m.content), images }
        : { role: "user", content: textOf(m.content) };
    }
    if (m.role === "assistant") {
      const out: JsonObject = { role: "assistant", content: textOf(m.content) };
      if (m.tool_calls && m.tool_calls.length > 0) {
        out.tool_calls = m.tool_calls.map((tc, j) => {
          names.set(tc.id, tc.function.name);
          const args = tc.function.arguments === "" ? {} : parseJson(tc.function.arguments);
          if (!isObject(args))
            badRequest(`${at}.tool_calls[${j}].function.arguments must be a JSON object.`, `${at}.tool_calls`);
          return { function: { name: tc.function.name, arguments: args } };
        });
      }
      return out;
    }
    if (m.role === "tool") {
      const out: JsonObject = { role: "tool", content: textOf(m.content) };
      const name = names.get(m.tool_call_id ?? "");
      if (name !== undefined) out.tool_name = name;
      return out;
    }
    return badRequest(`Invalid role '${String(m.role)}' at ${at}.role.`, `${at}.role`);
  });
}

function options(req: OpenAIChatRequest): JsonObject {
  const o: JsonObject = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== null) o[k] = v;
  };
  set("temperature", req.temperature);
  set("top_p", req.top_p);
  set("top_k", req.top_k);
  set("num_predict", req.max_completion_tokens ?? req.max_tokens);
  set("stop", typeof req.stop === "string" ? [req.stop] : req.stop);
  set("seed", req.seed);
  set("presence_penalty", req.presence_penalty);
  set("frequency_penalty", req.frequency_penalty);
  return o;
}

/**
 * Translates an OpenAI chat request into Ollama's native `/api/chat` body: sampling parameters go to
 * `options`, images to the message's `images`, tool results name their tool in `tool_name`, and
 * `response_format` becomes `format` ("json" or the schema itself). `stream` is always explicit, because
 * Ollama streams unless told not to.
 */
export function openAIRequestToOllama(req: OpenAIChatRequest, model: string): JsonObject {
  const body: JsonObject = { model, messages: messages(req.messages), stream: req.stream === true };
  if (Array.isArray(req.tools) && req.tools.length > 0 && req.tool_choice !== "none") body.tools = req.tools;
  const rf = req.response_format;
  if (isObject(rf) && rf.type === "json_object") body.format = "json";
  if (isObject(rf) && rf.type === "json_schema") {
    body.format = isObject(rf.json_schema) && isObject(rf.json_schema.schema) ? rf.json_schema.schema : "json";
  }
  const o = options(req);
  if (Object.keys(o).length > 0) body.options = o;
  return body;
}
