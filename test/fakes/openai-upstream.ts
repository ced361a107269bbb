import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { completionBody, errorBody, openAIHeaders, streamEvents } from "./openai-wire.ts";

/** How the fake answers; change it between requests with `setBehavior`. */
export interface FakeBehavior {
  /** Answer this many of the next chat requests with 429 (counts down). */
  rateLimitNext: number;
  /** The `retry-after` seconds sent with those 429s. */
  retryAfterSeconds: number;
  /** Answer every chat request with 401 `invalid_api_key`. */
  unauthorized: boolean;
  /** Wait this long before sending response headers. */
  headerDelayMs: number;
  /** Never answer chat requests (the socket stays open until the client gives up). */
  hang: boolean;
  /** Pause between SSE events, so a client can disconnect mid-stream. */
  chunkDelayMs: number;
  /** The assistant text; streamed word by word. */
  replyText: string;
  /** Leave usage out of answers, as some OpenAI-compatible servers do (no usage object, no usage chunk). */
  omitUsage: boolean;
}

/** One request as the fake received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body, or null when there was none or it did not parse. */
  readonly body: unknown;
  /** The client's source port: equal ports on successive requests mean a kept-alive connection. */
  readonly remotePort: number;
  /** `aborted` when the client closed the connection before the answer was complete. */
  outcome: "pending" | "completed" | "aborted";
}

/** A running fake OpenAI API. */
export interface FakeOpenAI {
  /** Base URL ending in `/v1`, as an SDK's `baseURL`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  setBehavior(b: Partial<FakeBehavior>): void;
  close(): Promise<void>;
}

/** Options for {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** When set, any other bearer token gets OpenAI's 401. */
  apiKey?: string;
  behavior?: Partial<FakeBehavior>;
}

const DEFAULTS: FakeBehavior = {
  rateLimitNext: 0,
  retryAfterSeconds: 20,
  unauthorized: false,
  headerDelayMs: 0,
  hang: false,
  chunkDelayMs: 0,
  replyText: "Hello from the fake OpenAI upstream.",
  omitUsage: false,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return null;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return null;
  }
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** Starts a node:http server on a free loopback port that speaks OpenAI's API, with programmable failures. */
export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  let behavior: FakeBehavior = { ...DEFAULTS, ...opts.behavior };
  const requests: RecordedRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> => {
    const started = Date.now();
    const b = behavior;
    const headers = () => openAIHeaders(`req_${randomBytes(16).toString("hex")}`, Date.now() - started);
    const path = rec.path;
    if (req.method === "GET" && path === "/v1/models") {
      const data = ["gpt-4o-mini", "gpt-4o"].map((id) => ({
        id,
        object: "model",
        created: 1715367049,
        owned_by: "system",
      }));
      return sendJson(res, 200, headers(), `${JSON.stringify({ object: "list", data }, null, 2)}\n`);
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      const msg = `Invalid URL (${req.method} ${path})`;
      return sendJson(res, 404, headers(), errorBody(msg, "invalid_request_error", null, null));
    }
    if (b.hang) return;
    if (b.headerDelayMs > 0) await sleep(b.headerDelayMs);
    if (res.destroyed) return;
    const auth = req.headers.authorization ?? "";
    if (b.unauthorized || (opts.apiKey !== undefined && auth !== `Bearer ${opts.apiKey}`)) {
      const msg =
        "Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.";
      return sendJson(res, 401, headers(), errorBody(msg, "invalid_request_error", null, "invalid_api_key"));
    }
    if (b.rateLimitNext > 0) {
      behavior = { ...behavior, rateLimitNext: behavior.rateLimitNext - 1 };
      const msg = "Rate limit reached for requests. Please try again later.";
      const h = { ...headers(), "retry-after": String(b.retryAfterSeconds) };
      return sendJson(res, 429, h, errorBody(msg, "requests", null, "rate_limit_exceeded"));
    }
    const body = rec.body as { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } } | null;
    if (body === null || typeof body.model !== "string") {
      const msg = "you must provide a model parameter";
      return sendJson(res, 400, headers(), errorBody(msg, "invalid_request_error", null, null));
    }
    const id = `chatcmpl-${randomBytes(12).toString("base64url")}`;
    const created = Math.floor(Date.now() / 1000);
    const pieces = b.replyText.split(" ").map((w, i) => (i === 0 ? w : ` ${w}`));
    const prompt = Math.ceil(JSON.stringify(rec.body).length / 4);
    const usage = { prompt_tokens: prompt, completion_tokens: pieces.length, total_tokens: prompt + pieces.length };
    if (body.stream !== true) {
      const text = completionBody(id, body.model, created, b.replyText, usage);
      if (!b.omitUsage) return sendJson(res, 200, headers(), text);
      const { usage: _omitted, ...rest } = JSON.parse(text) as Record<string, unknown>;
      return sendJson(res, 200, headers(), JSON.stringify(rest));
    }
    const includeUsage = body.stream_options?.include_usage === true && !b.omitUsage;
    res.writeHead(200, {
      ...headers(),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    for (const event of streamEvents(id, body.model, created, pieces, includeUsage ? usage : null)) {
      if (res.destroyed) return;
      res.write(event);
      if (b.chunkDelayMs > 0) await sleep(b.chunkDelayMs);
    }
    res.end();
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const rec: RecordedRequest = {
        method: req.method ?? "",
        path,
        headers: req.headers,
        body: await readJson(req),
        remotePort: req.socket.remotePort ?? 0,
        outcome: "pending",
      };
      requests.push(rec);
      res.on("close", () => {
        rec.outcome = res.writableFinished ? "completed" : "aborted";
      });
      await handle(req, res, rec);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    setBehavior(b) {
      behavior = { ...behavior, ...b };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
