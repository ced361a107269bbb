import { connect } from "node:net";

/** Length of one complete RESP reply at the start of `buf`, or -1 while more bytes are needed. */
function replyLength(buf: string, at = 0): number {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) return -1;
  const type = buf[at];
  if (type === "+" || type === "-" || type === ":") return eol + 2 - at;
  const n = Number(buf.slice(at + 1, eol));
  if (type === "$") {
    if (n < 0) return eol + 2 - at;
    return buf.length >= eol + 2 + n + 2 ? eol + 2 + n + 2 - at : -1;
  }
  if (type === "*") {
    let pos = eol + 2;
    for (let i = 0; i < n; i++) {
      const len = replyLength(buf, pos);
      if (len < 0) return -1;
      pos += len;
    }
    return pos - at;
  }
  throw new Error(`unexpected RESP reply: ${JSON.stringify(buf.slice(at, at + 40))}`);
}

/**
 * Sends one command to a plaintext Redis on 127.0.0.1 and returns the raw RESP reply text. The harness uses
 * it to set servers up (cluster slots, readiness) without depending on redis-cli or on the client under test.
 */
export function redisCommand(port: number, args: (string | number)[], timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let buf = "";
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`redis on port ${port} did not answer ${String(args[0])} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once("connect", () => {
      const parts = args.map(String);
      s.write(`*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("")}`);
    });
    s.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      if (replyLength(buf) < 0) return;
      clearTimeout(timer);
      s.destroy();
      resolve(buf);
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
