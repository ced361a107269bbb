export { AppError } from "./app-error.ts";
export { ERROR_CATALOG, type ErrorCode, statusOf } from "./catalog.ts";
export { err, ok, type Result } from "./result.ts";
