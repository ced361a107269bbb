/** One stream entry as Redis returns it; `fields` is null for an id still pending whose entry was trimmed. */
export type StreamEntry = [id: string, fields: string[] | null];

/**
 * The entries of an XREADGROUP / XREAD reply for one stream: `[[key, entries]]` as Redis sends it, or
 * `[key, entries]` as ioredis hands back a single stream's reply to `call`; null when nothing came.
 */
export function entriesOf(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const stream = (typeof reply[0] === "string" ? reply : reply[0]) as [string, StreamEntry[] | undefined];
  return Array.isArray(stream[1]) ? stream[1] : [];
}

/** A flat `[name, value, name, value, ...]` reply (XINFO STREAM, one XINFO GROUPS item) as a map. */
export function fieldsOf(reply: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), reply[i + 1]);
  return out;
}

/** Compares two stream ids (`ms-seq`) numerically. */
export function compareIds(a: string, b: string): number {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** What the consumer reads from XINFO STREAM and its group's XINFO GROUPS item, taken atomically before a read. */
export interface StreamState {
  length: number;
  entriesAdded: number | null;
  firstId: string | null;
  lastGeneratedId: string;
  lastDeliveredId: string | null;
  entriesRead: number | null;
  lag: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Reads the parts of XINFO STREAM and XINFO GROUPS replies the consumer uses. */
export function streamStateOf(streamInfo: unknown, groupsInfo: unknown, group: string): StreamState {
  const s = fieldsOf(streamInfo);
  const first = s.get("first-entry");
  const g = Array.isArray(groupsInfo) ? groupsInfo.map(fieldsOf).find((m) => m.get("name") === group) : undefined;
  return {
    length: num(s.get("length")) ?? 0,
    entriesAdded: num(s.get("entries-added")),
    firstId: Array.isArray(first) ? String(first[0]) : null,
    lastGeneratedId: String(s.get("last-generated-id") ?? "0-0"),
    lastDeliveredId: g ? String(g.get("last-delivered-id")) : null,
    entriesRead: g ? num(g.get("entries-read")) : null,
    lag: g ? num(g.get("lag")) : null,
  };
}

/**
 * How many entries were trimmed from the stream before the group read them, since the group was created; null
 * when the state does not tell. It tells exactly when the group's last delivered id is older than the stream's
 * first entry (the trim has overtaken the group): every entry removed from the head (`entries-added - length`,
 * the stream is only ever trimmed, never XDEL'd) was either delivered to the group (`entries-read`, a count
 * Redis keeps exactly while no entry is deleted inside the stream) or lost. A loss can only happen while the
 * group is overtaken, and the consumer takes this state in the same MULTI as its next read, before the read
 * moves the group past the gap, so every loss is seen.
 */
export function trimmedUnread(s: StreamState): number | null {
  if (s.entriesAdded === null || s.entriesRead === null || s.lastDeliveredId === null || s.firstId === null) {
    return null;
  }
  if (compareIds(s.lastDeliveredId, s.firstId) >= 0) return null;
  return Math.max(0, s.entriesAdded - s.length - s.entriesRead);
}
