import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { gracefulClose } from "./graceful-close.ts";

let server: Server;
afterEach(() => {
  server?.closeAllConnections();
});

function slowServer(delayMs: number): Promise<string> {
  server = createServer((_req, res) => {
    setTimeout(() => res.end("done"), delayMs);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

describe("gracefulClose", () => {
  it("lets an in-flight request finish and refuses new connections", async () => {
    const url = await slowServer(200);
    const inFlight = fetch(url).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    const closing = gracefulClose(server, 5_000);
    await new Promise((r) => setTimeout(r, 20));
    await expect(fetch(url)).rejects.toThrow();
    expect(await inFlight).toBe("done");
    expect(await closing).toBe(true);
  });

  it("cuts requests that outlast the grace period", async () => {
    const url = await slowServer(5_000);
    const inFlight = fetch(url).then(
      () => "answered",
      () => "cut",
    );
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    expect(await gracefulClose(server, 150)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await inFlight).toBe("cut");
  });
});
