/**
 * The logging surface config-sync needs: pino-style `(fields, message)` calls. A pino logger satisfies it;
 * taking only this keeps the package free of a logging dependency.
 */
export interface SyncLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
