import { createServer, Socket } from "node:net";

/** A loopback TCP relay whose existing connections can be frozen, to simulate a silent network stall. */
export interface TcpRelay {
  /** `127.0.0.1:<port>` to dial instead of the target. */
  readonly address: string;
  /** How many connections were accepted so far. */
  connections(): number;
  /**
   * Stops forwarding on every open connection without closing it: bytes are read and dropped, nothing is
   * answered, no FIN or RST is sent, as when a middlebox or a peer freezes. New connections forward normally.
   */
  stall(): void;
  /** Sends new connections to another target, as a Service does when an endpoint leaves; open ones stay. */
  retarget(target: string): void;
  close(): Promise<void>;
}

/** Starts a relay from a free loopback port to `target` (`host:port`). */
export async function startTcpRelay(target: string): Promise<TcpRelay> {
  const split = (t: string): [string, number] => [
    t.slice(0, t.lastIndexOf(":")),
    Number(t.slice(t.lastIndexOf(":") + 1)),
  ];
  let [host, port] = split(target);
  const open = new Set<{ client: Socket; upstream: Socket; stalled: boolean }>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    const upstream = new Socket();
    const pair = { client, upstream, stalled: false };
    open.add(pair);
    upstream.connect(port, host);
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (!pair.stalled) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const drop = () => {
      if (pair.stalled) return;
      client.destroy();
      upstream.destroy();
      open.delete(pair);
    };
    client.on("close", drop).on("error", drop);
    upstream.on("close", drop).on("error", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const relayPort = typeof addr === "object" && addr ? addr.port : 0;
  return {
    address: `127.0.0.1:${relayPort}`,
    connections: () => accepted,
    stall() {
      for (const pair of open) pair.stalled = true;
    },
    retarget(next) {
      [host, port] = split(next);
    },
    async close() {
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
