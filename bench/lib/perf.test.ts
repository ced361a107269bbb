import { describe, expect, it } from "vitest";
import { breakdownOf, categoryOf } from "./perf.ts";

const NODE = "/usr/bin/node";
const MAP = "/tmp/perf-1.map";

describe("categoryOf", () => {
  it("names a JavaScript frame's category by the file it comes from", () => {
    expect(categoryOf("JS:*writevGeneric node:internal/stream_base_commons:121:23")).toBe(
      "Node.js sockets and streams",
    );
    expect(categoryOf("JS:*parserOnIncoming node:_http_server:1073:26")).toBe("Node.js HTTP server");
    expect(categoryOf("JS:*processTicksAndRejections node:internal/process/task_queues:71:35")).toBe(
      "Node.js event loop, timers, promises",
    );
    expect(categoryOf("JS:*_resume /w/node_modules/undici/lib/dispatcher/client.js:663:18")).toBe(
      "undici (upstream client)",
    );
    expect(categoryOf("JS:wasm-function[20]-20-turbofan")).toBe("undici (upstream client)");
    expect(categoryOf("JS:*dispatch file:///w/node_modules/hono/dist/compose.js:24:26")).toBe(
      "Hono and @hono/node-server",
    );
    expect(categoryOf("JS:* file:///w/node_modules/@hono/node-server/dist/index.mjs:1040:9")).toBe(
      "Hono and @hono/node-server",
    );
    expect(categoryOf("JS:*Command /w/node_modules/ioredis/built/Command.js:63:16")).toBe("ioredis (Redis client)");
    expect(categoryOf("JS:*handleCall file:///w/apps/data-plane/src/routes/client-calls.ts:86:35")).toBe(
      "Switchyard code",
    );
    expect(categoryOf("JS:*acquire file:///w/packages/ratelimit/src/redis-engine.ts:225:25")).toBe("Switchyard code");
  });
});

describe("breakdownOf", () => {
  it("charges a kernel leaf to the JavaScript that made the call, GC to its own row, the rest by its nearest JS frame", () => {
    const text = [
      // A socket write: kernel leaf under Node's write code.
      `\tffffffff tcp_sendmsg ([kernel.kallsyms])`,
      `\t1234 uv_try_write (${NODE})`,
      `\t7f00 JS:*writevGeneric node:internal/stream_base_commons:121:23 (${MAP})`,
      `\t7f01 JS:*handleCall file:///w/apps/data-plane/src/routes/client-calls.ts:86:35 (${MAP})`,
      "",
      // A scavenge on a helper thread: no JavaScript at all.
      `\t1111 v8::internal::Scavenger::ScavengeObject (${NODE})`,
      `\t2222 start_thread (/usr/lib/libc.so.6)`,
      "",
      // A builtin called from our code.
      `\t3333 Builtins_LoadIC (${NODE})`,
      `\t7f02 JS:*parseClientBody file:///w/apps/data-plane/src/http/parse-client-body.ts:14:32 (${MAP})`,
      "",
      // epoll with no JavaScript on the stack.
      `\tffffffff do_epoll_wait ([kernel.kallsyms])`,
      `\t4444 uv__io_poll (${NODE})`,
      "",
    ].join("\n");
    const b = breakdownOf(text);
    expect(b.samples).toBe(4);
    const by = Object.fromEntries(b.categories.map((c) => [c.name, [c.samples, c.kernelSamples]]));
    expect(by).toEqual({
      "Node.js sockets and streams": [1, 1],
      "garbage collection": [1, 0],
      "Switchyard code": [1, 0],
      "kernel, no JavaScript caller (epoll, interrupts)": [1, 1],
    });
  });
});
