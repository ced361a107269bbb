import type { ErrorCode } from "@switchyard/errors";
import { statusOf } from "@switchyard/errors";

/**
 * OpenAI's `error.type` for each code, so SDKs classify our errors as they classify OpenAI's: rate limits
 * are `requests`, client mistakes `invalid_request_error`, our own and upstream failures `api_error`.
 */
const TYPE_OF: Partial<Record<ErrorCode, string>> = {
  invalid_api_key: "invalid_request_error",
  model_not_found: "invalid_request_error",
  invalid_request_error: "invalid_request_error",
  payload_too_large: "invalid_request_error",
  not_found: "invalid_request_error",
  rate_limit_exceeded: "requests",
  insufficient_quota: "insufficient_quota",
  model_not_priced: "invalid_request_error",
  limits_unavailable: "api_error",
  upstream_error: "api_error",
  upstream_timeout: "api_error",
  not_ready: "api_error",
  internal: "server_error",
};

/** An error as OpenAI's SDKs expect it, with the HTTP status from the shared catalog. */
export interface OpenAIErrorBody {
  readonly status: number;
  readonly body: { error: { message: string; type: string; param: string | null; code: string } };
}

/** Builds OpenAI's error shape for a catalog code; `param` names the offending request field, if any. */
export function openAIError(code: ErrorCode, message: string, param: string | null = null): OpenAIErrorBody {
  return {
    status: statusOf(code),
    body: { error: { message, type: TYPE_OF[code] ?? "invalid_request_error", param, code } },
  };
}
