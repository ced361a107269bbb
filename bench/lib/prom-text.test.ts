import { describe, expect, it } from "vitest";
import { promValue } from "./prom-text.ts";

describe("promValue", () => {
  const text = [
    "# HELP nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.",
    "# TYPE nodejs_eventloop_lag_p99_seconds gauge",
    'nodejs_eventloop_lag_p99_seconds{app="data-plane"} 0.010551295',
    "nodejs_eventloop_lag_p99_seconds_extra 7",
    "process_resident_memory_bytes 123456 1700000000000",
  ].join("\n");

  it("reads a labelled and an unlabelled sample, ignoring a timestamp", () => {
    expect(promValue(text, "nodejs_eventloop_lag_p99_seconds")).toBe(0.010551295);
    expect(promValue(text, "process_resident_memory_bytes")).toBe(123456);
  });

  it("does not match a longer name and is NaN when absent", () => {
    expect(promValue(text, "nodejs_eventloop_lag_p9")).toBeNaN();
    expect(promValue(text, "missing")).toBeNaN();
  });
});
