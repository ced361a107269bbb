import type { ApplyError } from "@switchyard/config-sync/client";
import { err, ok, type Result } from "@switchyard/errors";
import type { ProviderSpec } from "@switchyard/policy";
import { type ProviderAdapter, providerFor } from "@switchyard/providers";

/** A provider checked and reduced to what routes need; pools are attached later, once all entities passed. */
export interface CheckedProvider {
  readonly spec: ProviderSpec;
  readonly adapter: ProviderAdapter;
  /** `scheme://host:port`; empty for local providers. */
  readonly origin: string;
  /** Path of the base URL without a trailing slash; empty for local providers. */
  readonly basePath: string;
  /** Headers every request carries, including credentials; empty for local providers. */
  readonly headers: Readonly<Record<string, string>>;
}

function bad(spec: ProviderSpec, message: string): Result<never, ApplyError> {
  return err({ code: "invalid_provider", message, entityKind: "provider", entityId: spec.id });
}

function validTimeout(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms > 0;
}

/** Checks one provider and computes its origin, base path and headers. */
export function compileProvider(spec: ProviderSpec): Result<CheckedProvider, ApplyError> {
  const adapter = providerFor(spec.kind);
  if (!adapter) {
    return err({
      code: "unknown_provider_kind",
      message: `provider kind ${spec.kind} is not known to this data plane`,
      entityKind: "provider",
      entityId: spec.id,
    });
  }
  const problem = adapter.validate(spec);
  if (problem !== null) return bad(spec, problem);
  if (adapter.transport === "local") return ok({ spec, adapter, origin: "", basePath: "", headers: {} });

  let url: URL;
  try {
    url = new URL(spec.baseUrl);
  } catch {
    return bad(spec, "base URL is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return bad(spec, "base URL must use http or https");
  if (url.username !== "" || url.password !== "") return bad(spec, "base URL must not contain credentials");
  if (url.search !== "" || url.hash !== "") return bad(spec, "base URL must not have a query or fragment");
  if (!validTimeout(spec.connectTimeoutMs) || !validTimeout(spec.firstByteTimeoutMs)) {
    return bad(spec, "timeouts must be positive integers");
  }
  return ok({
    spec,
    adapter,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ""),
    headers: Object.freeze(adapter.staticHeaders(spec)),
  });
}
