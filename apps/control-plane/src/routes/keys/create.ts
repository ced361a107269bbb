import { apiKeys, consumers } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import { keyCreateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { readJson } from "../../admin/validate.ts";
import { idParam } from "../id-param.ts";
import { generateKey } from "./generate-key.ts";
import { keyView } from "./key-view.ts";

/** `POST /consumers/{id}/keys`: returns the key text once; only its SHA-256 is stored. */
export function createKey(app: AdminApp, deps: AdminDeps): void {
  app.post("/", async (c) => {
    const consumerId = idParam(c.req.param());
    const hasBody = (c.req.header("content-length") ?? "0") !== "0" || c.req.header("transfer-encoding");
    const input = hasBody ? await readJson(c, keyCreateSchema) : {};
    if (!(await consumers.get(deps.db, consumerId))) throw new AppError("not_found", "consumer not found");
    const key = generateKey();
    const res = await apiKeys.createKey(deps.db, {
      consumerId,
      name: input.name ?? null,
      prefix: key.prefix,
      hash: key.hash,
    });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    c.header("cache-control", "no-store");
    return c.json({ ...keyView(res.value.record), key: key.text }, 201);
  });
}
