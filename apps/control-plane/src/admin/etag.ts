import { AppError } from "@switchyard/errors";
import type { Context } from "hono";

/** The ETag of a resource revision: a strong tag, so two admins cannot overwrite each other silently. */
export function etagOf(revision: number): string {
  return `"r${revision}"`;
}

/**
 * Reads `If-Match` into the revision it names. Absent or `*` means unconditional (undefined); a tag that
 * is not one of ours is a 412, since it can never match.
 */
export function ifMatchRevision(c: Context): number | undefined {
  const h = c.req.header("if-match");
  if (h === undefined || h.trim() === "*") return undefined;
  const m = /^\s*(?:W\/)?"r(\d{1,9})"\s*$/.exec(h);
  if (!m?.[1]) throw new AppError("precondition_failed", "If-Match does not match the current ETag");
  return Number(m[1]);
}
