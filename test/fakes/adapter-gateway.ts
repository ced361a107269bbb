import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClientCall, ProviderAdapter, UpstreamTarget } from "@switchyard/providers";

/** What the reference gateway serves: one adapter and target, in front of one upstream origin. */
export interface AdapterGatewayOptions {
  readonly adapter: ProviderAdapter;
  readonly target: UpstreamTarget;
  /** `http://127.0.0.1:<port>` of the fake upstream; unused for local adapters. */
  readonly origin: string;
  readonly strict?: boolean;
}

/** A running reference gateway. */
export interface AdapterGateway {
  /** Base URL for the openai SDK (`…/v1`). */
  readonly openaiBaseURL: string;
  /** Base URL for @anthropic-ai/sdk (it appends `/v1/messages`). */
  readonly anthropicBaseURL: string;
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The smallest proxy that uses an adapter the way the data plane is meant to: `prepare` the call, send the
 * request, hand the upstream head to `respond`, then either pipe each chunk through the transformer as it
 * arrives (calling `onEnd` also when the upstream breaks off) or buffer and `finish`. It lets the official
 * SDKs be tested against the adapters and the fakes without the data plane.
 */
export async function startAdapterGateway(opts: AdapterGatewayOptions): Promise<AdapterGateway> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "/").split("?")[0];
      const format = path === "/v1/messages" ? "anthropic" : "openai";
      const operation = path === "/v1/embeddings" ? "embeddings" : "chat";
      const body = JSON.parse((await readAll(req)).toString("utf8")) as Record<string, unknown>;
      const call: ClientCall = {
        format,
        operation,
        body,
        strict: opts.strict === true,
        headers: {
          "anthropic-version": req.headers["anthropic-version"] as string | undefined,
          "anthropic-beta": req.headers["anthropic-beta"] as string | undefined,
        },
      };
      if (opts.adapter.transport === "local") {
        const r = opts.adapter.answer(call, opts.target, { nowMs: Date.now() });
        if (!r.ok) return void res.writeHead(r.error.status, r.error.headers).end(r.error.body);
        res.writeHead(r.value.status, r.value.headers);
        for (const c of r.value.chunks) res.write(c);
        return void res.end();
      }
      const prepared = opts.adapter.prepare(call, opts.target);
      if (!prepared.ok)
        return void res.writeHead(prepared.error.status, prepared.error.headers).end(prepared.error.body);
      const { request: up, respond } = prepared.value;
      const out = request(`${opts.origin}${up.path}`, { method: "POST", headers: up.headers }, (ures) => {
        const cr = respond({ status: ures.statusCode ?? 502, headers: ures.headers });
        if (cr.mode === "buffer") {
          void readAll(ures).then((b) => {
            const r = cr.finish(b);
            res.writeHead(r.status, r.headers).end(r.body);
          });
          return;
        }
        res.writeHead(cr.status, cr.headers);
        const t = cr.transformer;
        let ended = false;
        const finish = () => {
          if (ended) return;
          ended = true;
          const tail = t?.onEnd();
          res.end(tail ?? undefined);
        };
        ures.on("data", (c: Buffer) => {
          const o = t ? t.onChunk(c) : c;
          if (o) res.write(o);
        });
        ures.on("end", finish);
        ures.on("error", finish);
        ures.on("close", finish);
      });
      // Once the answer has started, a broken upstream is reported by the transformer's onEnd (above).
      out.on("error", () => {
        if (!res.headersSent) res.destroy();
      });
      res.on("close", () => out.destroy());
      out.end(up.body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    openaiBaseURL: `http://127.0.0.1:${port}/v1`,
    anthropicBaseURL: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
