import type { LoadRequest } from "./load-job.ts";
import type { PreparedRequest } from "./send-request.ts";

/** Turns a job's requests into dispatch options built once, so sending allocates as little as possible. */
export function prepare(requests: readonly LoadRequest[]): PreparedRequest[] {
  return requests.map((r) => ({
    options: {
      path: r.path,
      method: "POST",
      headers: { ...r.headers, "content-type": "application/json" },
      body: Buffer.from(r.body),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    },
    expectedBytes: r.expectedBytes,
  }));
}
