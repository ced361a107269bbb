/** A base64 `data:` URL split into its media type and payload. */
export interface DataUrl {
  readonly mediaType: string;
  readonly data: string;
}

/** Parses `data:<type>;base64,<payload>`; null for anything else (plain URLs, non-base64 data URLs). */
export function parseDataUrl(url: string): DataUrl | null {
  const m = /^data:([^;,]+)(?:;[^;,=]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1] as string, data: m[2] as string } : null;
}

/** Builds a base64 `data:` URL. */
export function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
