import { isValidCursor } from "@switchyard/db";
import { z } from "zod";
import { parseParams } from "./validate.ts";

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).refine(isValidCursor, "malformed cursor").optional(),
});

/** A validated page request. */
export type PageQuery = z.infer<typeof pageQuery>;

/** Parses `?limit=&cursor=`; a bad value is a 400 naming the parameter. */
export function parsePage(query: Record<string, string>): PageQuery {
  return parseParams(pageQuery, query);
}

/** The list envelope every collection uses. */
export function page<T>(items: T[], nextCursor: string | null): { data: T[]; nextCursor: string | null } {
  return { data: items, nextCursor };
}
