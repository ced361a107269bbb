import { isUuid } from "./db-error.ts";

/** Largest page a list call returns. */
export const MAX_PAGE_LIMIT = 500;

/** What a list call asks for: up to `limit` items after the position `cursor` stands for. */
export interface PageRequest {
  readonly limit: number;
  /** An opaque cursor from a previous page's `nextCursor`; absent for the first page. */
  readonly cursor?: string;
}

/** One page of a list; `nextCursor` is null on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/** The id a cursor stands for, or null if the text is not a cursor this package made. */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  return isUuid(id) ? id : null;
}

/** Whether a client-supplied cursor is well formed; the control plane answers 400 for one that is not. */
export function isValidCursor(cursor: string): boolean {
  return decodeCursor(cursor) !== null;
}

/**
 * Checks a page request and returns the id to start after. A bad limit or cursor is a caller bug (the
 * control plane validates both first, see {@link isValidCursor}), so it throws a RangeError.
 */
export function startAfter(req: PageRequest): string | undefined {
  if (!Number.isInteger(req.limit) || req.limit < 1 || req.limit > MAX_PAGE_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
  if (req.cursor === undefined) return undefined;
  const id = decodeCursor(req.cursor);
  if (id === null) throw new RangeError("cursor is not valid");
  return id;
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only tells whether another page exists.
 * The cursor encodes the last id returned, for keyset pagination (`where id > $last order by id`).
 */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept.at(-1);
  return {
    items: kept.map(map),
    nextCursor: more && last ? Buffer.from(last.id, "utf8").toString("base64url") : null,
  };
}
