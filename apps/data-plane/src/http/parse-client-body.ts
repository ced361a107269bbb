import { AppError } from "@switchyard/errors";

/** A client's request body: a JSON object whose `model` is the route alias. */
export interface ClientBody {
  readonly model: string;
  readonly [field: string]: unknown;
}

/**
 * Parses a request body just enough to route it: a JSON object with a non-empty string `model`. Every other
 * field is the adapter's business (passed through, translated or refused per provider), so the gateway does
 * not reject parameters a provider adds later. Messages name the offending parameter the way OpenAI's do.
 */
export function parseClientBody(bytes: Buffer): ClientBody {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new AppError(
      "invalid_request_error",
      "We could not parse the JSON body of your request. The body must be a JSON object.",
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new AppError("invalid_request_error", "The request body must be a JSON object.");
  }
  const model = (value as { model?: unknown }).model;
  if (typeof model !== "string" || model === "") {
    throw new AppError("invalid_request_error", "You must provide a model parameter as a non-empty string.", {
      details: { param: "model" },
    });
  }
  return value as ClientBody;
}
