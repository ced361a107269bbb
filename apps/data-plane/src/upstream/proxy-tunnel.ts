import { isIP, connect as netConnect, type Socket } from "node:net";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { UpstreamConnectError } from "./connect-error.ts";

/** Largest CONNECT response head accepted from a proxy. */
const MAX_HEAD_BYTES = 16 * 1024;

/** `host:port` as a CONNECT request names it (IPv6 literals in brackets). */
export function authorityOf(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function proxyAuthorization(proxy: URL): string {
  if (proxy.username === "" && proxy.password === "") return "";
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return `Proxy-Authorization: Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}\r\n`;
}

/**
 * Opens a tunnel to `authority` through an HTTP proxy (`http://` or `https://`, with optional basic
 * credentials in the URL) with `CONNECT`, and resolves with the raw socket once the proxy answered 200. The
 * caller then speaks TLS (or plain HTTP) to the upstream over it. `tls` applies to an `https://` proxy.
 */
export function openTunnel(proxy: URL, authority: string, timeoutMs: number, tls: ConnectionOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const host = proxy.hostname.replace(/^\[|\]$/g, "");
    const secure = proxy.protocol === "https:";
    const port = Number(proxy.port || (secure ? 443 : 80));
    const socket: Socket = secure
      ? tlsConnect({ ...tls, host, port, ...(isIP(host) ? {} : { servername: host }) })
      : netConnect({ host, port });
    let head: Buffer = Buffer.alloc(0);
    let settled = false;

    const finish = (e: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", finish);
      socket.off("close", onClose);
      if (e === null) return;
      socket.destroy();
      reject(e);
    };
    const onClose = () =>
      finish(new Error(`the outbound proxy closed the connection before answering CONNECT ${authority}`));
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) finish(new UpstreamConnectError("SY_PROXY_REFUSED", "proxy answer too long"));
        return;
      }
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString("latin1"))?.[1];
      if (status !== "200") {
        finish(
          new UpstreamConnectError(
            "SY_PROXY_REFUSED",
            `the outbound proxy answered ${status ?? "garbage"} to CONNECT ${authority}`,
          ),
        );
        return;
      }
      finish(null);
      socket.pause();
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const timer = setTimeout(
      () =>
        finish(
          new UpstreamConnectError(
            "UND_ERR_CONNECT_TIMEOUT",
            `the outbound proxy did not open a tunnel to ${authority} in time`,
          ),
        ),
      timeoutMs,
    );
    socket.once(secure ? "secureConnect" : "connect", () => {
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${proxyAuthorization(proxy)}\r\n`);
    });
    socket.on("data", onData);
    socket.once("error", finish);
    socket.once("close", onClose);
  });
}
