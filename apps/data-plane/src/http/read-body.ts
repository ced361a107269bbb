import type { IncomingMessage } from "node:http";
import { AppError } from "@switchyard/errors";

function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `The request body is larger than the limit of ${maxBytes} bytes.`, {
    // The rest of an oversized upload is not read; closing is cheaper than draining it.
    headers: { connection: "close" },
  });
}

/** Reads a Node request stream, stopping as soon as the cap is passed instead of buffering the excess. */
function readNode(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        incoming.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      if (incoming.readableEnded) return onEnd();
      cleanup();
      reject(new AppError("invalid_request_error", "The request body was not received completely."));
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}

/** Reads a web body stream with the same cap, for `app.request()` and non-Node runtimes. */
async function readWeb(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** Where a request body can come from: the Node stream when served by @hono/node-server, else the web body. */
export interface BodySource {
  readonly incoming: IncomingMessage | undefined;
  /**
   * The web body, asked for only when there is no Node stream: on @hono/node-server, merely reading
   * `Request.body` builds a web stream over the Node request.
   */
  readonly web: () => ReadableStream<Uint8Array> | null;
  readonly contentLength: string | undefined;
}

/**
 * Reads the request body with a size cap checked while reading, so an oversized body is refused (413) after
 * at most `maxBytes` have been received, and before any upstream call. A declared length over the cap is
 * refused without reading at all. Reading the Node stream directly avoids a web-stream conversion.
 */
export async function readBodyCapped(src: BodySource, maxBytes: number): Promise<Buffer> {
  if (src.contentLength !== undefined && Number(src.contentLength) > maxBytes) throw tooLarge(maxBytes);
  if (src.incoming && !src.incoming.readableDidRead) return readNode(src.incoming, maxBytes);
  const web = src.web();
  return web ? readWeb(web, maxBytes) : Buffer.alloc(0);
}
