import { badRequest } from "../shared/bad-request.ts";
import { parseDataUrl } from "../shared/data-url.ts";
import { isObject, type JsonObject, parseJson, str } from "../shared/json.ts";
import { unknownFields } from "../shared/known-fields.ts";
import type { OpenAIChatRequest, OpenAIMessage } from "../shared/openai-types.ts";

/** The name of the tool that carries a JSON-schema answer; see {@link openAIRequestToAnthropic}. */
export const JSON_TOOL = "json_response";

/** Anthropic requires `max_tokens`; OpenAI does not. This is used when an OpenAI client sets neither limit. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

const KNOWN = new Set([
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "user",
  "stream",
  "stream_options",
  "response_format",
  "n",
]);

/** OpenAI request fields an Anthropic target cannot honour (strict mode rejects them, the default drops them). */
export function anthropicUnsupported(req: OpenAIChatRequest): string[] {
  const out = unknownFields(req, KNOWN, (k, v) => {
    if (k === "n") return v !== 1;
    if (k === "response_format")
      return isObject(v) && v.type !== "text" && Array.isArray(req.tools) && req.tools.length > 0;
    return false;
  });
  req.messages.forEach((m, i) => {
    if (isObject(m) && m.name !== undefined) out.push(`messages[${i}].name`);
  });
  return out;
}

type Block = JsonObject;

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((p) => (isObject(p) && (p.type === "text" || p.type === "refusal") ? String(p.text ?? p.refusal ?? "") : ""))
    .join("");
}

function userBlocks(content: unknown, at: string): Block[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) return [];
  return content.map((p, j): Block => {
    const pat = `${at}.content[${j}]`;
    if (!isObject(p)) return badRequest(`Invalid content part at ${pat}.`, pat);
    if (p.type === "text") return { type: "text", text: str(p.text) ?? "" };
    if (p.type === "image_url") {
      const url = isObject(p.image_url) ? (str(p.image_url.url) ?? "") : "";
      const d = parseDataUrl(url);
      return d
        ? { type: "image", source: { type: "base64", media_type: d.mediaType, data: d.data } }
        : { type: "image", source: { type: "url", url } };
    }
    if (p.type === "file" && isObject(p.file) && typeof p.file.file_data === "string") {
      const d = parseDataUrl(p.file.file_data) ?? badRequest(`${pat}.file.file_data must be a base64 data URL.`, pat);
      return { type: "document", source: { type: "base64", media_type: d.mediaType, data: d.data } };
    }
    return badRequest(`Content parts of type '${String(p.type)}' cannot be sent to an Anthropic model.`, pat);
  });
}

function assistantBlocks(m: OpenAIMessage, at: string): Block[] {
  const blocks: Block[] = [];
  const text = textOf(m.content);
  if (text !== "") blocks.push({ type: "text", text });
  (m.tool_calls ?? []).forEach((tc, j) => {
    const input = parseJson(tc.function?.arguments ?? "");
    if (!isObject(input))
      badRequest(`${at}.tool_calls[${j}].function.arguments must be a JSON object.`, `${at}.tool_calls`);
    blocks.push({ type: "tool_use", id: tc.id, name: tc.function.name, input });
  });
  return blocks;
}

function toolResultBlock(m: OpenAIMessage): Block {
  const content = typeof m.content === "string" ? m.content : [{ type: "text", text: textOf(m.content) }];
  return { type: "tool_result", tool_use_id: m.tool_call_id, content };
}

/** System prompts from anywhere in the conversation, in order: Anthropic has only the top-level one. */
function systemOf(messages: OpenAIMessage[]): Block[] {
  return messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => ({ type: "text", text: textOf(m.content) }));
}

/** Turns, merged so that roles alternate and a tool message's result lands in the next user turn. */
function turns(messages: OpenAIMessage[]): JsonObject[] {
  const out: { role: "user" | "assistant"; content: Block[] }[] = [];
  const add = (role: "user" | "assistant", blocks: Block[]) => {
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const [i, m] of messages.entries()) {
    const at = `messages[${i}]`;
    if (!isObject(m)) badRequest(`Invalid message at ${at}.`, at);
    if (m.role === "system" || m.role === "developer") continue;
    if (m.role === "user") add("user", userBlocks(m.content, at));
    else if (m.role === "assistant") add("assistant", assistantBlocks(m, at));
    else if (m.role === "tool") add("user", [toolResultBlock(m)]);
    else badRequest(`Invalid role '${String(m.role)}' at ${at}.role.`, `${at}.role`);
  }
  return out;
}

function toolChoiceOf(req: OpenAIChatRequest): JsonObject | undefined {
  const tc = req.tool_choice;
  let out: JsonObject | undefined;
  if (tc === "auto") out = { type: "auto" };
  else if (tc === "required") out = { type: "any" };
  else if (tc === "none") out = { type: "none" };
  else if (isObject(tc) && isObject(tc.function)) out = { type: "tool", name: tc.function.name };
  if (req.parallel_tool_calls === false && out?.type !== "none")
    out = { ...(out ?? { type: "auto" }), disable_parallel_tool_use: true };
  return out;
}

function toolsOf(list: unknown): JsonObject[] {
  if (!Array.isArray(list)) return badRequest("'tools' must be an array.", "tools");
  return list.map((t, i) => {
    if (!isObject(t) || t.type !== "function" || !isObject(t.function)) {
      return badRequest(`Only function tools can be sent to an Anthropic model (tools[${i}]).`, `tools[${i}]`);
    }
    const tool: JsonObject = {
      name: t.function.name,
      input_schema: t.function.parameters ?? { type: "object", properties: {} },
    };
    if (t.function.description !== undefined) tool.description = t.function.description;
    return tool;
  });
}

function hasTools(body: JsonObject): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}

/**
 * Translates an OpenAI chat request into an Anthropic Messages request. `response_format` with a JSON
 * schema (or `json_object`) becomes one forced tool whose input is the answer, the documented way to get
 * schema-conforming JSON from Claude; the response side turns that tool call back into message content.
 * It is only possible when the request has no tools of its own. Returns whether that tool was added.
 */
export function openAIRequestToAnthropic(
  req: OpenAIChatRequest,
  model: string,
): { body: JsonObject; jsonTool: boolean } {
  const body: JsonObject = { model };
  const system = systemOf(req.messages);
  if (system.length > 0) body.system = system.length === 1 ? system[0]?.text : system;
  body.messages = turns(req.messages);
  body.max_tokens = req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  if (req.stop !== undefined && req.stop !== null)
    body.stop_sequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  for (const k of ["temperature", "top_p", "top_k"]) if (req[k] !== undefined && req[k] !== null) body[k] = req[k];
  if (typeof req.user === "string") body.metadata = { user_id: req.user };
  let jsonTool = false;
  if (req.tools !== undefined && req.tools !== null) body.tools = toolsOf(req.tools);
  const tc = toolChoiceOf(req);
  if (tc) body.tool_choice = tc;
  const rf = req.response_format;
  if (isObject(rf) && (rf.type === "json_schema" || rf.type === "json_object") && !hasTools(body)) {
    const js = isObject(rf.json_schema) ? rf.json_schema : {};
    const schema = isObject(js.schema) ? js.schema : { type: "object" };
    const description = str(js.description) ?? "Respond with a JSON object as this tool's input.";
    body.tools = [{ name: JSON_TOOL, description, input_schema: schema }];
    body.tool_choice = { type: "tool", name: JSON_TOOL };
    jsonTool = true;
  }
  if (req.stream === true) body.stream = true;
  return { body, jsonTool };
}
