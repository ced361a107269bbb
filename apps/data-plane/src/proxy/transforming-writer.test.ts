import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ResponseTransformer } from "@switchyard/providers";
import { describe, expect, it } from "vitest";
import { transformingWriter } from "./transforming-writer.ts";

/** Buffers lines and emits complete ones upper-cased, as a translating adapter buffers partial events. */
function lineUpper(): ResponseTransformer {
  let pending = "";
  const dec = new TextDecoder();
  const enc = new TextEncoder();
  return {
    onChunk(bytes) {
      pending += dec.decode(bytes, { stream: true });
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) return null;
      const out = pending.slice(0, cut + 1).toUpperCase();
      pending = pending.slice(cut + 1);
      return enc.encode(out);
    },
    onEnd() {
      return pending === "" ? null : enc.encode(`${pending.toUpperCase()}!`);
    },
  };
}

describe("transformingWriter", () => {
  it("writes what the transformer returns, skipping nulls, and flushes onEnd before ending", async () => {
    const sink = new PassThrough();
    const got: string[] = [];
    sink.on("data", (c: Buffer) => got.push(c.toString()));
    const ended = new Promise((r) => sink.on("end", r));
    await pipeline(
      Readable.from(["ab", "c\nde", "f\n", "tail"].map((s) => Buffer.from(s))),
      transformingWriter(sink, lineUpper()),
    );
    await ended;
    expect(got).toEqual(["ABC\n", "DEF\n", "TAIL!"]);
  });

  it("destroys the sink when the source breaks midway", async () => {
    const sink = new PassThrough();
    const sinkError = new Promise((r) => sink.on("error", r));
    const source = new Readable({ read() {} });
    const done = pipeline(source, transformingWriter(sink, lineUpper()));
    source.push(Buffer.from("x\n"));
    source.destroy(new Error("upstream reset"));
    await expect(done).rejects.toThrow("upstream reset");
    expect(sink.destroyed).toBe(true);
    expect(await sinkError).toMatchObject({ message: "upstream reset" });
  });
});
