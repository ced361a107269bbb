/** Push-style splitter of newline-delimited JSON (Ollama's stream format) into complete lines. */
export interface NdjsonSplitter {
  /** Returns the non-blank lines this chunk completed, without their line ends. */
  push(bytes: Uint8Array): string[];
  /** Ends the stream; a last line without a trailing newline is still a line. */
  end(): string[];
}

/**
 * Creates a splitter correct for any chunking, including chunks that cut a UTF-8 character or a `\r\n` pair.
 * Parsing the JSON is left to the caller, which knows what an error line looks like.
 */
export function createNdjsonSplitter(): NdjsonSplitter {
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  const take = (text: string, final: boolean): string[] => {
    buffer += text;
    const out: string[] = [];
    let nl = buffer.indexOf("\n");
    while (nl !== -1) {
      const l = buffer.slice(0, nl).replace(/\r$/, "");
      if (l.trim() !== "") out.push(l);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf("\n");
    }
    if (final) {
      const l = buffer.replace(/\r$/, "");
      if (l.trim() !== "") out.push(l);
      buffer = "";
    }
    return out;
  };
  return {
    push: (bytes) => take(decoder.decode(bytes, { stream: true }), false),
    end: () => take(decoder.decode(), true),
  };
}
