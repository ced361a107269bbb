import { providers } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import { providerCreateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { providerView } from "./provider-view.ts";

/** Refuses an internal upstream address with a 422 naming `baseUrl`, unless the provider may reach inside. */
export async function checkBaseUrl(
  deps: AdminDeps,
  baseUrl: string | null | undefined,
  allowInternal: boolean,
): Promise<void> {
  if (baseUrl === undefined || baseUrl === null) return;
  const reason = await deps.guardUpstream(baseUrl, allowInternal);
  if (reason) {
    throw new AppError(
      "unprocessable",
      `baseUrl refused: ${reason} (set allowInternal: true on the provider to allow it to reach internal addresses)`,
      { details: [{ field: "baseUrl", message: reason }] },
    );
  }
}

/**
 * `POST /providers`: the API key is sealed with the master key before it reaches the database. `apiVersion` on
 * a kind other than azure-openai is a 400 naming it (the schema checks it).
 */
export function createProvider(app: AdminApp, deps: AdminDeps): void {
  app.post("/", async (c) => {
    const input = await readJson(c, providerCreateSchema);
    await checkBaseUrl(deps, input.baseUrl, input.allowInternal);
    const res = await providers.create(deps.db, {
      name: input.name,
      kind: input.kind,
      baseUrl: input.baseUrl ?? null,
      apiKey: input.apiKey === undefined ? null : deps.secrets.seal(input.apiKey),
      connectTimeoutMs: input.connectTimeoutMs,
      firstByteTimeoutMs: input.firstByteTimeoutMs,
      apiVersion: input.apiVersion ?? null,
      allowInternal: input.allowInternal,
    });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, providerView(res.value.record), 201);
  });
}
