import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/**
 * A request header by lower-case name. Served by @hono/node-server, it is read from Node's own parsed
 * headers: the first call to the web Request's `headers` builds and validates a `Headers` object of every
 * header the client sent, which on a proxy's hot path costs more than the lookup is worth. Elsewhere (tests
 * through `app.request()`) it reads the web request.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming === undefined) return c.req.header(name);
  const v = incoming.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}
