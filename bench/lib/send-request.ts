import type { Dispatcher, Pool } from "undici";

/** When one request's milestones happened, on the performance.now() clock. */
export interface RequestTiming {
  readonly ok: boolean;
  /** First body byte (or the end, for an empty body). */
  readonly firstByteMs: number;
  readonly endMs: number;
}

/** A request prepared once and sent many times. */
export interface PreparedRequest {
  readonly options: Dispatcher.DispatchOptions;
  readonly expectedBytes: number;
}

/**
 * Sends one request on the pool with undici's lowest-level API (no stream objects, no promises) and calls
 * `done` once with its timing. The body is counted, not kept; a response is good only with status 200 and
 * exactly the expected size, which catches a truncated stream as well as an error answer.
 */
export function sendRequest(pool: Pool, req: PreparedRequest, done: (t: RequestTiming) => void): void {
  let status = 0;
  let bytes = 0;
  let firstByteMs = 0;
  let finished = false;
  const finish = (ok: boolean) => {
    if (finished) return;
    finished = true;
    const endMs = performance.now();
    done({ ok, firstByteMs: firstByteMs || endMs, endMs });
  };
  pool.dispatch(req.options, {
    onRequestStart() {},
    onResponseStart(_c, statusCode) {
      status = statusCode;
    },
    onResponseData(_c, chunk) {
      if (bytes === 0) firstByteMs = performance.now();
      bytes += chunk.length;
    },
    onResponseEnd() {
      finish(status === 200 && bytes === req.expectedBytes);
    },
    onResponseError() {
      finish(false);
    },
  });
}
