import { describe, expect, it } from "vitest";
import { createRegistry } from "./registry.ts";

describe("createRegistry", () => {
  it("collects default process metrics labelled with the app", async () => {
    const registry = createRegistry({ app: "data-plane" });
    const text = await registry.metrics();
    expect(text).toMatch(/process_cpu_user_seconds_total\{app="data-plane"\} /);
    expect(text).toMatch(/nodejs_heap_size_total_bytes\{app="data-plane"\} /);
  });

  it("gives each call its own registry", () => {
    const a = createRegistry({ app: "a" });
    const b = createRegistry({ app: "b" });
    expect(a).not.toBe(b);
    expect(a.getSingleMetric("process_cpu_user_seconds_total")).toBeDefined();
    expect(b.getSingleMetric("process_cpu_user_seconds_total")).toBeDefined();
  });
});
