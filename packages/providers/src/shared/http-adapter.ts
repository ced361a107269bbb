import { err } from "@switchyard/errors";
import type { ProviderSpec } from "@switchyard/policy";
import type { HttpProviderAdapter } from "../types.ts";
import { BadRequest } from "./bad-request.ts";
import { renderError } from "./error-info.ts";
import { prepareCall, unsupportedOf } from "./prepare-call.ts";
import type { UpstreamCodec } from "./upstream-codec.ts";

/**
 * Builds a provider kind's adapter from its codec: `prepare` (translate the call, then `respond` to the
 * upstream's head) and strict-mode reporting. The composition rules (pass-through for same-format calls,
 * strict mode, error mapping, streaming) live in {@link prepareCall}, once for every kind.
 */
export function httpAdapter(codec: UpstreamCodec): HttpProviderAdapter {
  return {
    kind: codec.kind,
    transport: "http",
    validate(spec: ProviderSpec): string | null {
      if (codec.requiresApiKey && (spec.apiKey === null || spec.apiKey === "")) {
        return `a provider of kind ${codec.kind} needs an API key`;
      }
      return null;
    },
    staticHeaders: (spec) => codec.staticHeaders(spec),
    prepare(call, target) {
      const r = prepareCall(codec, call, target);
      return r.ok ? r : err(renderError(call.format, r.error));
    },
    unsupportedParameters(call) {
      if (call.operation !== "chat" || call.format === codec.native) return [];
      try {
        return unsupportedOf(codec, call).names;
      } catch (e) {
        if (e instanceof BadRequest) return [];
        throw e;
      }
    },
  };
}
