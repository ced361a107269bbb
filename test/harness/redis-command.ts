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
 * Sends one command (after `auth`, when given: e.g. `["AUTH", password]`) to a plaintext Redis on 127.0.0.1 and
 * returns the raw RESP reply text of that command. The harness uses
 * it to set servers up (cluster slots, readiness) without depending on redis-cli or on the client under test.
 */
export function redisCommand(
  port: number,
  args: (string | number)[],
  timeoutMs = 2_000,
  auth?: (string | number)[],
): Promise<string> {
  const commands = auth ? [auth, args] : [args];
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let buf = "";
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`redis on port ${port} did not answer ${String(args[0])} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once("connect", () => {
      for (const command of commands) {
        const parts = command.map(String);
        s.write(`*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("")}`);
      }
    });
    s.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      // Skip the replies to the commands before the last (AUTH), then wait for the last one whole.
      let at = 0;
      for (let i = 0; i < commands.length - 1; i++) {
        const len = replyLength(buf, at);
        if (len < 0) return;
        at += len;
      }
      if (replyLength(buf, at) < 0) return;
      clearTimeout(timer);
      s.destroy();
      resolve(buf.slice(at));
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
