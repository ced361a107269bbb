import type { ResponseTransformer } from "../types.ts";
import type { ErrorInfo } from "./error-info.ts";
import type { OpenAIChunk, OpenAIUsage } from "./openai-types.ts";

/** Receives a stream translated into OpenAI chunk objects; the pivot between upstream and client formats. */
export interface ChunkSink {
  chunk(c: OpenAIChunk): void;
  /** The upstream reported an error, or broke off; nothing follows. */
  error(e: ErrorInfo): void;
  /** The upstream stream ended properly; nothing follows. */
  end(): void;
}

/** Reads one upstream format from raw bytes and feeds a {@link ChunkSink}. */
export interface StreamDecoder {
  push(bytes: Uint8Array): void;
  /** The upstream body ended; a decoder that has not seen its format's end reports a truncated stream. */
  end(): void;
}

/** Writes the client's format from chunks; `take` hands over what has been written since the last call. */
export interface StreamEncoder extends ChunkSink {
  take(): string;
  /** The usage reported so far (the last usage seen). */
  usage(): OpenAIUsage | null;
}

const encoder = new TextEncoder();

/** Text to bytes, or null when there is nothing to write. */
export function bytesOrNull(text: string): Uint8Array | null {
  return text === "" ? null : encoder.encode(text);
}

/** Chains a decoder and an encoder into the proxy's push-style transformer. */
export function translatingTransformer(
  decoder: (sink: ChunkSink) => StreamDecoder,
  out: StreamEncoder,
): ResponseTransformer {
  const d = decoder(out);
  return {
    onChunk(bytes) {
      d.push(bytes);
      return bytesOrNull(out.take());
    },
    onEnd() {
      d.end();
      return bytesOrNull(out.take());
    },
  };
}

/**
 * Guards a sink so that nothing reaches it after an end or an error, whatever order an upstream sends
 * things in; decoders can then report truncation at `end()` without tracking it themselves.
 */
export function onceClosed(sink: ChunkSink): ChunkSink & { readonly closed: boolean } {
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    chunk(c) {
      if (!closed) sink.chunk(c);
    },
    error(e) {
      if (closed) return;
      closed = true;
      sink.error(e);
    },
    end() {
      if (closed) return;
      closed = true;
      sink.end();
    },
  };
}
