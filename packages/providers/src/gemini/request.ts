import { badRequest } from "../shared/bad-request.ts";
import { parseDataUrl } from "../shared/data-url.ts";
import { isObject, type JsonObject, parseJson, str } from "../shared/json.ts";
import { unknownFields } from "../shared/known-fields.ts";
import type { OpenAIChatRequest, OpenAIMessage } from "../shared/openai-types.ts";
import { thoughtSignatureOf } from "./tool-call-id.ts";

const KNOWN = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "top_k",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "n",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "response_format",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "stream",
  "stream_options",
]);

/** OpenAI request fields a Gemini target cannot honour (strict mode rejects them, the default drops them). */
export function geminiUnsupported(req: OpenAIChatRequest): string[] {
  return unknownFields(req, KNOWN, (k, v) => k === "parallel_tool_calls" && v === false);
}

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
};

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (isObject(p) && p.type === "text" ? String(p.text ?? "") : "")).join("");
}

function userParts(content: unknown, at: string): JsonObject[] {
  if (typeof content === "string") return [{ text: content }];
  if (!Array.isArray(content)) return [];
  return content.map((p, j): JsonObject => {
    const pat = `${at}.content[${j}]`;
    if (!isObject(p)) return badRequest(`Invalid content part at ${pat}.`, pat);
    if (p.type === "text") return { text: str(p.text) ?? "" };
    if (p.type === "image_url") {
      const url = isObject(p.image_url) ? (str(p.image_url.url) ?? "") : "";
      const d = parseDataUrl(url);
      if (d) return { inlineData: { mimeType: d.mediaType, data: d.data } };
      const ext = /\.([a-z]+)(?:$|[?#])/i.exec(url)?.[1]?.toLowerCase() ?? "";
      const mimeType = IMAGE_TYPES[ext];
      return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
    }
    if (p.type === "input_audio" && isObject(p.input_audio)) {
      return {
        inlineData: { mimeType: `audio/${str(p.input_audio.format) ?? "wav"}`, data: str(p.input_audio.data) ?? "" },
      };
    }
    if (p.type === "file" && isObject(p.file) && typeof p.file.file_data === "string") {
      const d = parseDataUrl(p.file.file_data) ?? badRequest(`${pat}.file.file_data must be a base64 data URL.`, pat);
      return { inlineData: { mimeType: d.mediaType, data: d.data } };
    }
    return badRequest(`Content parts of type '${String(p.type)}' cannot be sent to a Gemini model.`, pat);
  });
}

function modelParts(m: OpenAIMessage, at: string): JsonObject[] {
  const parts: JsonObject[] = [];
  const text = textOf(m.content);
  if (text !== "") parts.push({ text });
  (m.tool_calls ?? []).forEach((tc, j) => {
    const args = tc.function.arguments === "" ? {} : parseJson(tc.function.arguments);
    if (!isObject(args))
      badRequest(`${at}.tool_calls[${j}].function.arguments must be a JSON object.`, `${at}.tool_calls`);
    const part: JsonObject = { functionCall: { name: tc.function.name, args } };
    const sig = thoughtSignatureOf(tc.id);
    if (sig) part.thoughtSignature = sig;
    parts.push(part);
  });
  return parts;
}

/** Gemini's function response must be an object; plain text goes under `output`, as its API reference says. */
function functionResponse(m: OpenAIMessage, names: Map<string, string>, at: string): JsonObject {
  const id = m.tool_call_id ?? "";
  const name =
    names.get(id) ?? badRequest(`${at}.tool_call_id does not match any earlier tool call.`, `${at}.tool_call_id`);
  const text = textOf(m.content);
  const parsed = parseJson(text);
  return { functionResponse: { name, response: isObject(parsed) ? parsed : { output: text } } };
}

function contents(messages: OpenAIMessage[]): JsonObject[] {
  const out: { role: "user" | "model"; parts: JsonObject[] }[] = [];
  const names = new Map<string, string>();
  const add = (role: "user" | "model", parts: JsonObject[]) => {
    const last = out.at(-1);
    if (last && last.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  };
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (m.role === "system" || m.role === "developer") return;
    if (m.role === "user") add("user", userParts(m.content, at));
    else if (m.role === "assistant") {
      for (const tc of m.tool_calls ?? []) names.set(tc.id, tc.function.name);
      add("model", modelParts(m, at));
    } else if (m.role === "tool") add("user", [functionResponse(m, names, at)]);
    else badRequest(`Invalid role '${String(m.role)}' at ${at}.role.`, `${at}.role`);
  });
  return out;
}

function toolConfig(tc: unknown): JsonObject | undefined {
  if (tc === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (tc === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (tc === "required") return { functionCallingConfig: { mode: "ANY" } };
  if (isObject(tc) && isObject(tc.function))
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [tc.function.name] } };
  return undefined;
}

function generationConfig(req: OpenAIChatRequest): JsonObject {
  const g: JsonObject = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== null) g[k] = v;
  };
  set("temperature", req.temperature);
  set("topP", req.top_p);
  set("topK", req.top_k);
  set("maxOutputTokens", req.max_completion_tokens ?? req.max_tokens);
  set("stopSequences", typeof req.stop === "string" ? [req.stop] : req.stop);
  set("candidateCount", req.n);
  set("presencePenalty", req.presence_penalty);
  set("frequencyPenalty", req.frequency_penalty);
  set("seed", req.seed);
  const rf = req.response_format;
  if (isObject(rf) && (rf.type === "json_object" || rf.type === "json_schema")) {
    g.responseMimeType = "application/json";
    if (isObject(rf.json_schema) && isObject(rf.json_schema.schema)) g.responseJsonSchema = rf.json_schema.schema;
  }
  return g;
}

/**
 * Translates an OpenAI chat request into a Gemini `generateContent` body: system and developer messages
 * become `systemInstruction`; assistant turns `model` turns with `functionCall` parts (and their thought
 * signatures, recovered from the tool call ids); tool messages `functionResponse` parts named after the call
 * they answer; tools `functionDeclarations` with the JSON schema as `parametersJsonSchema`.
 */
export function openAIRequestToGemini(req: OpenAIChatRequest): JsonObject {
  const body: JsonObject = { contents: contents(req.messages) };
  const system = req.messages.filter((m) => m.role === "system" || m.role === "developer");
  if (system.length > 0) body.systemInstruction = { parts: system.map((m) => ({ text: textOf(m.content) })) };
  if (Array.isArray(req.tools) && req.tools.length > 0) {
    const functionDeclarations = req.tools.map((t, i) => {
      if (!isObject(t) || t.type !== "function" || !isObject(t.function)) {
        return badRequest(`Only function tools can be sent to a Gemini model (tools[${i}]).`, `tools[${i}]`);
      }
      const d: JsonObject = { name: t.function.name };
      if (t.function.description !== undefined) d.description = t.function.description;
      if (t.function.parameters !== undefined) d.parametersJsonSchema = t.function.parameters;
      return d;
    });
    body.tools = [{ functionDeclarations }];
  }
  const tc = toolConfig(req.tool_choice);
  if (tc) body.toolConfig = tc;
  const g = generationConfig(req);
  if (Object.keys(g).length > 0) body.generationConfig = g;
  return body;
}
