import { Writable } from "node:stream";
import type { ResponseTransformer } from "@switchyard/providers";

/** Where transformed bytes go: a Node ServerResponse in production, any writable in tests. */
export interface ByteSink {
  write(chunk: Uint8Array): boolean;
  end(chunk?: Uint8Array): unknown;
  once(event: "drain", fn: () => void): unknown;
  destroy(err?: Error): unknown;
}

/**
 * A Writable that runs each upstream chunk through a provider's transformer before it reaches the client,
 * respecting the client's backpressure. Used only for translating adapters; pass-through responses are
 * written to the client directly.
 */
export function transformingWriter(sink: ByteSink, transformer: ResponseTransformer): Writable {
  return new Writable({
    write(chunk: Uint8Array, _enc, cb) {
      let out: Uint8Array | null;
      try {
        out = transformer.onChunk(chunk);
      } catch (e) {
        cb(e as Error);
        return;
      }
      if (out === null || out.byteLength === 0 || sink.write(out)) cb();
      else sink.once("drain", () => cb());
    },
    final(cb) {
      let tail: Uint8Array | null;
      try {
        tail = transformer.onEnd();
      } catch (e) {
        cb(e as Error);
        return;
      }
      if (tail !== null && tail.byteLength > 0) sink.end(tail);
      else sink.end();
      cb();
    },
    destroy(err, cb) {
      // A body that broke midway cannot be finished properly; cut the client off rather than leave it waiting.
      if (err) sink.destroy(err);
      cb(err);
    },
  });
}
