import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const lines = () =>
    chunks
      .join("")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

describe("createLogger", () => {
  it("writes JSON lines with the name and level", () => {
    const out = capture();
    const log = createLogger({ name: "dp", destination: out.stream });
    log.info({ n: 1 }, "hello");
    log.debug("hidden at info");
    const [line, ...rest] = out.lines();
    expect(rest).toHaveLength(0);
    expect(line).toMatchObject({ name: "dp", msg: "hello", n: 1, level: 30 });
  });

  it("honours the level option", () => {
    const out = capture();
    const log = createLogger({ name: "dp", level: "warn", destination: out.stream });
    log.info("dropped");
    log.warn("kept");
    expect(out.lines().map((l) => l.msg)).toEqual(["kept"]);
  });

  it("redacts credential headers and secret fields at any of the first levels", () => {
    const out = capture();
    const log = createLogger({ name: "dp", destination: out.stream });
    log.info(
      {
        apiKey: "sk-top",
        token: "t-top",
        password: "p-top",
        headers: { authorization: "Bearer sk-1", "x-api-key": "sk-2", "api-key": "sk-3", accept: "json" },
        req: { headers: { authorization: "Bearer sk-4" } },
        provider: { config: { apiKey: "sk-5", baseUrl: "https://x" } },
      },
      "secrets",
    );
    const text = JSON.stringify(out.lines()[0]);
    for (const secret of ["sk-top", "t-top", "p-top", "sk-1", "sk-2", "sk-3", "sk-4", "sk-5"]) {
      expect(text).not.toContain(secret);
    }
    const line = out.lines()[0] as {
      headers: Record<string, string>;
      provider: { config: Record<string, string> };
    };
    expect(line.headers.accept).toBe("json");
    expect(line.headers.authorization).toBe("[redacted]");
    expect(line.provider.config.baseUrl).toBe("https://x");
  });

  it("redacts secrets in child bindings too", () => {
    const out = capture();
    const log = createLogger({ name: "dp", destination: out.stream });
    log.child({ requestId: "r1", upstream: { headers: { authorization: "Bearer sk-child" } } }).info("x");
    const text = JSON.stringify(out.lines()[0]);
    expect(text).not.toContain("sk-child");
    expect(out.lines()[0]).toMatchObject({ requestId: "r1", upstream: { headers: { authorization: "[redacted]" } } });
  });
});
