/**
 * The closed catalog of error codes Switchyard answers with. Each code has exactly one HTTP status;
 * the admin API and the data plane both map through this table, so a code never drifts between places.
 */
export const ERROR_CATALOG = {
  // Admin API and shared
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  precondition_required: 428,
  payload_too_large: 413,
  unprocessable: 422,
  internal: 500,
  unavailable: 503,
  // Data plane (OpenAI-compatible codes)
  invalid_api_key: 401,
  model_not_found: 404,
  invalid_request_error: 400,
  rate_limit_exceeded: 429,
  /** A quota or budget is used up for its window: 429 that clients should not retry soon. */
  insufficient_quota: 429,
  /** A cost budget applies and the route's model has no price, so the call cannot be counted. */
  model_not_priced: 403,
  /** A fail-closed limit could not be checked because the shared limiter (Redis) is unreachable. */
  limits_unavailable: 503,
  upstream_error: 502,
  upstream_timeout: 504,
  not_ready: 503,
} as const;

/** One code of the closed catalog. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The HTTP status that belongs to an error code. */
export function statusOf(code: ErrorCode): (typeof ERROR_CATALOG)[ErrorCode] {
  return ERROR_CATALOG[code];
}
