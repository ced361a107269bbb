/** One server-sent event, as the WHATWG event-stream rules define it. */
export interface SseEvent {
  /** The `event:` field, or null when the event had none (the spec's default type "message"). */
  readonly event: string | null;
  /** The `data:` lines joined with "\n". */
  readonly data: string;
  /** The `id:` field, when the event carried one. */
  readonly id?: string;
}

/** Push-style SSE parser: feed bytes as they arrive, get the events they complete. */
export interface SseParser {
  /** Parses a chunk; returns the events it completed (possibly none). */
  push(bytes: Uint8Array): SseEvent[];
  /**
   * Ends the stream. An event not closed by a blank line is discarded, as the spec says; `truncated` tells
   * whether such a partial event (or a partial line) was left, which means the upstream stopped mid-event.
   */
  end(): { events: SseEvent[]; truncated: boolean };
}

/**
 * Creates a parser correct for any chunking: chunks may split a line, a `\r\n` pair or a UTF-8 character
 * anywhere (the streaming TextDecoder holds incomplete characters back). Lines end at `\n`, `\r\n` or a lone
 * `\r`; lines starting with `:` are comments (keep-alives); `retry:` and unknown fields are ignored.
 */
export function createSseParser(): SseParser {
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  /** The previous chunk ended in `\r`: a `\n` starting the next one belongs to the same line break. */
  let skipLf = false;
  let data: string[] = [];
  let hasData = false;
  let event: string | null = null;
  let id: string | undefined;

  const line = (text: string, out: SseEvent[]) => {
    if (text === "") {
      if (hasData) {
        const e: SseEvent = id === undefined ? { event, data: data.join("\n") } : { event, data: data.join("\n"), id };
        out.push(e);
      }
      data = [];
      hasData = false;
      event = null;
      id = undefined;
      return;
    }
    if (text.charCodeAt(0) === 58 /* ":" */) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* " " */) value = value.slice(1);
    if (field === "data") {
      data.push(value);
      hasData = true;
    } else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
  };

  const scan = (text: string, out: SseEvent[]) => {
    let start = 0;
    if (skipLf && text.length > 0) {
      if (text.charCodeAt(0) === 10) start = 1;
      skipLf = false;
    }
    const s = buffer + text.slice(start);
    let from = 0;
    for (let i = buffer.length; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      line(s.slice(from, i), out);
      if (c === 13) {
        if (i + 1 < s.length) {
          if (s.charCodeAt(i + 1) === 10) i++;
        } else skipLf = true;
      }
      from = i + 1;
    }
    buffer = s.slice(from);
  };

  return {
    push(bytes) {
      const out: SseEvent[] = [];
      scan(decoder.decode(bytes, { stream: true }), out);
      return out;
    },
    end() {
      const out: SseEvent[] = [];
      scan(decoder.decode(), out);
      const truncated = buffer !== "" || hasData;
      if (buffer !== "") line(buffer, out);
      buffer = "";
      data = [];
      hasData = false;
      return { events: out, truncated };
    },
  };
}
