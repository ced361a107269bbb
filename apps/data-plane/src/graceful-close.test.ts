import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDrainer, gracefulClose } from "./graceful-close.ts";

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

describe("createDrainer", () => {
  it("closes kept-alive connections after their current response instead of serving more", async () => {
    let served = 0;
    server = createServer((_req, res) => {
      served++;
      setTimeout(() => res.end("done"), 100);
    });
    const drainer = createDrainer(server);
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
    );
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        request({ host: "127.0.0.1", port, agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        })
          .on("error", reject)
          .end();
      });
    expect((await get()).connection).toBe("keep-alive");
    const inFlight = get();
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    const drained = drainer.drain(5_000);
    expect(await inFlight).toEqual({ status: 200, connection: "close" });
    // The next request on this agent needs a new connection, which a draining server no longer accepts.
    await expect(get()).rejects.toThrow();
    expect(await drained).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(served).toBe(2);
    agent.destroy();
  });
});
