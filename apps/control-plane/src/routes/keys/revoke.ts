import { apiKeys } from "@switchyard/db";
import { z } from "zod";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { parseParams } from "../../admin/validate.ts";
import { idParam } from "../id-param.ts";

const keyIdSchema = z.object({ keyId: z.uuid("keyId must be a UUID") });

/** `DELETE /consumers/{id}/keys/{keyId}`: revokes the key; data planes drop it with the next snapshot. */
export function revokeKey(app: AdminApp, deps: AdminDeps): void {
  app.delete("/:keyId", async (c) => {
    const consumerId = idParam(c.req.param());
    const { keyId } = parseParams(keyIdSchema, { keyId: c.req.param("keyId") });
    const res = await apiKeys.revokeKey(deps.db, consumerId, keyId);
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation, true);
    return c.body(null, 204);
  });
}
