import { providers } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import { API_VERSION_KIND, API_VERSION_REFUSAL, providerUpdateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { ifMatchRevision } from "../../admin/etag.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { idParam } from "../id-param.ts";
import { checkBaseUrl } from "./create.ts";
import { providerView } from "./provider-view.ts";

/**
 * `PATCH /providers/{id}`: `apiKey: null` removes the stored credential, `apiVersion: null` returns to the
 * default version. The kind never changes, so `apiVersion` is checked against the stored one. A new `baseUrl`, or
 * `allowInternal` turned off, is checked against the internal-address guard with the setting that will apply.
 */
export function updateProvider(app: AdminApp, deps: AdminDeps): void {
  app.patch("/:id", async (c) => {
    const id = idParam(c.req.param());
    const ifRevision = ifMatchRevision(c);
    const input = await readJson(c, providerUpdateSchema);
    const checksUrl = input.baseUrl !== undefined || input.allowInternal === false;
    if (input.apiVersion !== undefined || checksUrl) {
      const current = await providers.get(deps.db, id);
      if (!current) throw new AppError("not_found", "provider not found");
      if (checksUrl) {
        await checkBaseUrl(deps, input.baseUrl ?? current.baseUrl, input.allowInternal ?? current.allowInternal);
      }
      if (input.apiVersion !== undefined && current.kind !== API_VERSION_KIND) {
        throw new AppError("validation_failed", `invalid apiVersion: ${API_VERSION_REFUSAL}`, {
          details: [{ field: "apiVersion", message: API_VERSION_REFUSAL }],
        });
      }
    }
    const { apiKey, ...rest } = input;
    const patch = {
      ...rest,
      ...(apiKey === undefined ? {} : { apiKey: apiKey === null ? null : deps.secrets.seal(apiKey) }),
    };
    const res = await providers.update(deps.db, id, patch, { ifRevision });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, providerView(res.value.record));
  });
}
