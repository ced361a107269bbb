import { Writable } from "node:stream";
import { createLogger, type Logger } from "@switchyard/telemetry";

/** A real JSON logger whose output tests can read, to check what was (and was not) logged. */
export function captureLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    logger: createLogger({ name: "data-plane-test", level: "debug", destination: stream }),
    text: () => chunks.join(""),
  };
}
