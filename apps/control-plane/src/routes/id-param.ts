import { z } from "zod";
import { parseParams } from "../admin/validate.ts";

const uuid = z.object({ id: z.uuid("id must be a UUID") });

/** Reads the `{id}` path parameter; a malformed id is a 400 naming it. */
export function idParam(params: Record<string, string>): string {
  return parseParams(uuid, { id: params.id }).id;
}
