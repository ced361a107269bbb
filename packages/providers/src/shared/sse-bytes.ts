/** Byte-level helpers for relaying server-sent events without decoding the ones that need no inspection. */

const LF = 10;
const CR = 13;

/** The text as UTF-8 bytes (the markers searched for are ASCII). */
export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Whether `hay` holds `needle` at `at`, its first byte already known to match. */
export function matchesAt(hay: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at + needle.length > hay.length) return false;
  for (let j = 1; j < needle.length; j++) if (hay[at + j] !== needle[j]) return false;
  return true;
}

/** Node's Buffer when it is there: its `indexOf` searches for a byte sequence natively. */
const NativeBuffer = (
  globalThis as { Buffer?: { isBuffer(v: unknown): boolean; concat(list: Uint8Array[]): Uint8Array } }
).Buffer;

/** The first index of `needle` in `hay` from `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  if (NativeBuffer?.isBuffer(hay))
    return (hay as Uint8Array & { indexOf(n: Uint8Array, f: number): number }).indexOf(needle, from);
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i >= 0; i = hay.indexOf(first, i + 1)) {
    if (matchesAt(hay, needle, i)) return i;
  }
  return -1;
}

/** Whether the bytes hold a carriage return (events then need the full parser's line-ending rules). */
export function hasCr(bytes: Uint8Array): boolean {
  return bytes.indexOf(CR) >= 0;
}

/** The end (exclusive) of the last `\n\n` in the bytes: everything before it is whole events; -1 if none. */
export function wholeEventsEnd(bytes: Uint8Array): number {
  for (let i = bytes.lastIndexOf(LF); i > 0; i = bytes.lastIndexOf(LF, i - 1)) {
    if (bytes[i - 1] === LF) return i + 1;
  }
  return -1;
}

/** `a` then `b`, in one array (no copy when either is empty). */
export function joinBytes(a: Uint8Array | null, b: Uint8Array): Uint8Array {
  if (a === null || a.length === 0) return b;
  if (b.length === 0) return a;
  if (NativeBuffer?.isBuffer(b)) return NativeBuffer.concat([a, b]);
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const SPACE = 32;
const TAB = 9;
const COLON = 58;

/** Whether the bytes from `i` are `: <open>` (spaces allowed): the key before them has a value of that kind. */
export function valueOpens(bytes: Uint8Array, i: number, open: number): boolean {
  while (bytes[i] === SPACE || bytes[i] === TAB) i++;
  if (bytes[i] !== COLON) return false;
  i++;
  while (bytes[i] === SPACE || bytes[i] === TAB) i++;
  return bytes[i] === open;
}

/** The end of the last `\n\n` that ends before `at` (the start of the event holding `at`); 0 if none. */
export function eventStartBefore(bytes: Uint8Array, at: number): number {
  for (let i = bytes.lastIndexOf(LF, at - 1); i > 0; i = bytes.lastIndexOf(LF, i - 1)) {
    if (bytes[i - 1] === LF) return i + 1;
  }
  return 0;
}
