import { badRequest } from "../shared/bad-request.ts";
import { dataUrl } from "../shared/data-url.ts";
import { isObject, type JsonObject, str } from "../shared/json.ts";
import type { OpenAIChatRequest, OpenAIContentPart, OpenAIMessage, OpenAIToolCall } from "../shared/openai-types.ts";

/** Messages API fields translated into OpenAI's format; any other field is reported as not carried over. */
const KNOWN = new Set([
  "model",
  "messages",
  "system",
  "max_tokens",
  "metadata",
  "stop_sequences",
  "stream",
  "temperature",
  "top_k",
  "top_p",
  "tools",
  "tool_choice",
]);

function imagePart(block: JsonObject, at: string): OpenAIContentPart {
  const src = isObject(block.source) ? block.source : badRequest(`${at}.source: Field required`, `${at}.source`);
  if (src.type === "base64")
    return { type: "image_url", image_url: { url: dataUrl(str(src.media_type) ?? "", str(src.data) ?? "") } };
  if (src.type === "url") return { type: "image_url", image_url: { url: str(src.url) ?? "" } };
  return badRequest(
    `${at}.source: images of source type ${String(src.type)} cannot be sent to this provider`,
    `${at}.source`,
  );
}

function documentPart(block: JsonObject, at: string): OpenAIContentPart {
  const src = isObject(block.source) ? block.source : badRequest(`${at}.source: Field required`, `${at}.source`);
  if (src.type === "text") return { type: "text", text: str(src.data) ?? "" };
  if (src.type === "base64") {
    const filename = str(block.title) ?? "document.pdf";
    return {
      type: "file",
      file: { file_data: dataUrl(str(src.media_type) ?? "application/pdf", str(src.data) ?? ""), filename },
    };
  }
  return badRequest(
    `${at}.source: documents of source type ${String(src.type)} cannot be sent to this provider`,
    `${at}.source`,
  );
}

function note(dropped: string[], block: JsonObject, at: string): void {
  if (block.cache_control !== undefined) dropped.push(`${at}.cache_control`);
  if (block.citations !== undefined && block.type !== "text") dropped.push(`${at}.citations`);
}

/** A tool_result block as an OpenAI tool message; images in it go to a user message that follows. */
function toolResult(block: JsonObject, at: string, images: OpenAIContentPart[], dropped: string[]): OpenAIMessage {
  const id = str(block.tool_use_id) ?? badRequest(`${at}.tool_use_id: Field required`, `${at}.tool_use_id`);
  if (block.is_error === true) dropped.push(`${at}.is_error`);
  const c = block.content;
  if (c === undefined || typeof c === "string") return { role: "tool", tool_call_id: id, content: c ?? "" };
  if (!Array.isArray(c)) return badRequest(`${at}.content: Input should be a valid list`, `${at}.content`);
  const texts: OpenAIContentPart[] = [];
  c.forEach((b, i) => {
    if (!isObject(b)) return;
    if (b.type === "text") texts.push({ type: "text", text: str(b.text) ?? "" });
    else if (b.type === "image") images.push(imagePart(b, `${at}.content.${i}`));
    else
      badRequest(
        `${at}.content.${i}: blocks of type ${String(b.type)} cannot be sent to this provider`,
        `${at}.content.${i}`,
      );
  });
  const only = texts.length === 1 ? texts[0] : undefined;
  return { role: "tool", tool_call_id: id, content: only && only.type === "text" ? (only.text as string) : texts };
}

function userMessages(content: unknown[], at: string, dropped: string[]): OpenAIMessage[] {
  const tools: OpenAIMessage[] = [];
  const parts: OpenAIContentPart[] = [];
  const images: OpenAIContentPart[] = [];
  for (const [i, b] of content.entries()) {
    const bat = `${at}.content.${i}`;
    if (!isObject(b)) badRequest(`${bat}: Input should be an object`, bat);
    note(dropped, b, bat);
    if (b.type === "text") parts.push({ type: "text", text: str(b.text) ?? "" });
    else if (b.type === "image") parts.push(imagePart(b, bat));
    else if (b.type === "document") parts.push(documentPart(b, bat));
    else if (b.type === "tool_result") tools.push(toolResult(b, bat, images, dropped));
    else badRequest(`${bat}: blocks of type ${String(b.type)} cannot be sent to this provider`, bat);
  }
  const out = [...tools];
  if (parts.length > 0) out.push({ role: "user", content: parts });
  if (images.length > 0) out.push({ role: "user", content: images });
  return out;
}

function assistantMessage(content: unknown[], at: string, dropped: string[]): OpenAIMessage {
  let text = "";
  const calls: OpenAIToolCall[] = [];
  for (const [i, b] of content.entries()) {
    const bat = `${at}.content.${i}`;
    if (!isObject(b)) badRequest(`${bat}: Input should be an object`, bat);
    note(dropped, b, bat);
    if (b.type === "text") text += str(b.text) ?? "";
    else if (b.type === "tool_use") {
      const id = str(b.id) ?? badRequest(`${bat}.id: Field required`, `${bat}.id`);
      const args = JSON.stringify(isObject(b.input) ? b.input : {});
      calls.push({ id, type: "function", function: { name: str(b.name) ?? "", arguments: args } });
    } else if (b.type === "thinking" || b.type === "redacted_thinking") {
      // Thinking is the upstream model's own scratchpad; other providers neither accept nor need it.
    } else badRequest(`${bat}: blocks of type ${String(b.type)} cannot be sent to this provider`, bat);
  }
  const m: OpenAIMessage = { role: "assistant", content: text === "" && calls.length > 0 ? null : text };
  if (calls.length > 0) m.tool_calls = calls;
  return m;
}

function systemMessage(system: unknown, dropped: string[]): OpenAIMessage | null {
  if (system === undefined) return null;
  if (typeof system === "string") return { role: "system", content: system };
  if (!Array.isArray(system)) return badRequest("system: Input should be a valid string or list", "system");
  const parts = system.map((b, i): OpenAIContentPart => {
    if (!isObject(b) || b.type !== "text")
      return badRequest(`system.${i}: only text blocks are allowed`, `system.${i}`);
    note(dropped, b, `system.${i}`);
    return { type: "text", text: str(b.text) ?? "" };
  });
  const only = parts.length === 1 ? parts[0] : undefined;
  return { role: "system", content: only && only.type === "text" ? (only.text as string) : parts };
}

function tools(list: unknown): JsonObject[] {
  if (!Array.isArray(list)) return badRequest("tools: Input should be a valid list", "tools");
  return list.map((t, i) => {
    if (!isObject(t) || t.input_schema === undefined || (t.type !== undefined && t.type !== "custom")) {
      const type = isObject(t) ? String(t.type) : "unknown";
      return badRequest(`tools.${i}: the server tool ${type} exists only on Anthropic`, `tools.${i}`);
    }
    const fn: JsonObject = { name: t.name, parameters: t.input_schema };
    if (t.description !== undefined) fn.description = t.description;
    return { type: "function", function: fn };
  });
}

function toolChoice(tc: unknown, req: OpenAIChatRequest): void {
  if (!isObject(tc)) return;
  if (tc.type === "auto") req.tool_choice = "auto";
  else if (tc.type === "any") req.tool_choice = "required";
  else if (tc.type === "none") req.tool_choice = "none";
  else if (tc.type === "tool") req.tool_choice = { type: "function", function: { name: tc.name } };
  else badRequest(`tool_choice.type: unknown value ${String(tc.type)}`, "tool_choice.type");
  if (tc.disable_parallel_tool_use === true) req.parallel_tool_calls = false;
}

/**
 * Translates an Anthropic Messages request into OpenAI's chat format, for any non-Anthropic target.
 * Fields and block attributes it cannot carry are appended to `dropped` (strict mode rejects them);
 * content that has no counterpart at all (server tools, file references) is a 400.
 */
export function anthropicRequestToOpenAI(body: JsonObject, dropped: string[]): OpenAIChatRequest {
  for (const k of Object.keys(body)) if (!KNOWN.has(k) && body[k] !== undefined) dropped.push(k);
  if (!Array.isArray(body.messages)) return badRequest("messages: Field required", "messages");
  if (typeof body.max_tokens !== "number") return badRequest("max_tokens: Field required", "max_tokens");
  const messages: OpenAIMessage[] = [];
  const sys = systemMessage(body.system, dropped);
  if (sys) messages.push(sys);
  for (const [i, m] of body.messages.entries()) {
    const at = `messages.${i}`;
    if (!isObject(m)) badRequest(`${at}: Input should be an object`, at);
    if (m.role !== "user" && m.role !== "assistant") {
      badRequest(`${at}.role: Input should be 'user' or 'assistant'`, `${at}.role`);
    }
    if (typeof m.content === "string") messages.push({ role: m.role, content: m.content });
    else if (!Array.isArray(m.content)) badRequest(`${at}.content: Field required`, `${at}.content`);
    else if (m.role === "user") messages.push(...userMessages(m.content, at, dropped));
    else messages.push(assistantMessage(m.content, at, dropped));
  }
  const req: OpenAIChatRequest = { model: String(body.model), messages, max_completion_tokens: body.max_tokens };
  if (body.stop_sequences !== undefined) req.stop = body.stop_sequences;
  for (const k of ["temperature", "top_p", "top_k"] as const) if (body[k] !== undefined) req[k] = body[k];
  if (body.tools !== undefined) req.tools = tools(body.tools);
  toolChoice(body.tool_choice, req);
  if (isObject(body.metadata)) {
    for (const k of Object.keys(body.metadata)) if (k !== "user_id") dropped.push(`metadata.${k}`);
    if (typeof body.metadata.user_id === "string") req.user = body.metadata.user_id;
  }
  if (body.stream === true) {
    req.stream = true;
    req.stream_options = { include_usage: true };
  }
  return req;
}

/** How Anthropic clients name the OpenAI-format fields a target may refuse, for strict-mode messages. */
export const ANTHROPIC_NAME_OF: Readonly<Record<string, string>> = {
  stop: "stop_sequences",
  max_completion_tokens: "max_tokens",
  parallel_tool_calls: "tool_choice.disable_parallel_tool_use",
  user: "metadata.user_id",
};
