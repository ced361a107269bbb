import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/** Receives notifications on one channel; `onConnected` runs after every (re)connect, to catch up on gaps. */
export interface ListenHandlers {
  onPayload(payload: string): void;
  onConnected?(): void;
  /** Told when the listening connection failed; it is retried after `retryMs`. */
  onError?(message: string): void;
}

/** Stops listening. */
export type Unlisten = () => Promise<void>;

const quote = (channel: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name "${channel}"`);
  return channel;
};

/**
 * LISTENs on a dedicated PostgreSQL connection (a pooled one would be handed to queries and lose the LISTEN).
 * A lost connection is reopened every `retryMs` until it works; notifications sent meanwhile are lost, which
 * is why `onConnected` runs after each reconnect and callers keep a periodic backstop check as well.
 */
export async function listenPostgres(
  url: string,
  channel: string,
  h: ListenHandlers,
  retryMs = 1_000,
): Promise<Unlisten> {
  const name = quote(channel);
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true });
    let failed = false;
    const fail = (message: string): void => {
      if (failed || closed) return;
      failed = true;
      client = undefined;
      h.onError?.(message);
      c.end().catch(() => {});
      retry = setTimeout(() => void connect(), retryMs);
      retry.unref();
    };
    c.on("notification", (m) => {
      if (m.channel === name) h.onPayload(m.payload ?? "");
    });
    c.on("error", (e) => fail(e.message));
    c.on("end", () => fail("connection ended"));
    try {
      await c.connect();
      await c.query(`listen ${name}`);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
      return;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    h.onConnected?.();
  };

  await connect();
  return async () => {
    closed = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

/** LISTENs inside an embedded PGlite: its notifications never get lost, so there is no reconnect. */
export async function listenPglite(db: PGlite, channel: string, h: ListenHandlers): Promise<Unlisten> {
  const stop = await db.listen(quote(channel), (payload) => h.onPayload(payload));
  h.onConnected?.();
  return stop;
}
