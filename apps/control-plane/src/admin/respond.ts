import type { Context } from "hono";
import { etagOf } from "./etag.ts";

/** Answers with one resource and its ETag. */
export function sendResource<T extends { revision: number }>(
  c: Context,
  resource: T,
  status: 200 | 201 = 200,
): Response {
  c.header("etag", etagOf(resource.revision));
  return c.json(resource, status);
}
