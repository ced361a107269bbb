import { randomBytes, randomUUID } from "node:crypto";
import { buildSnapshot } from "@switchyard/policy";
import { describe, expect, it } from "vitest";
import { sampleConfig } from "../test-fixtures.ts";
import { mergeDelta } from "./merge-delta.ts";
import { runSteps } from "./run-sliced.ts";
import { decodeSnapshot, encodedSizeSteps, encodeSnapshot, encodeSnapshotSteps } from "./snapshot-bytes.ts";
import { versionSnapshot } from "./version.ts";

const NONE = { providers: [], routes: [], consumers: [], groups: [], apiKeys: [], limits: [], prices: [] };

describe("snapshot bytes", () => {
  it("round-trips to an equal snapshot with the same version and generation", () => {
    const s = versionSnapshot(sampleConfig("x"), 7n);
    const back = decodeSnapshot(encodeSnapshot(s));
    expect(back).toEqual({ ok: true, value: s });
  });

  it("refuses garbage and a payload whose version no longer matches", () => {
    expect(decodeSnapshot(new Uint8Array([0xff, 0xff, 0xff]))).toMatchObject({
      ok: false,
      error: { code: "invalid_payload" },
    });
    const bytes = encodeSnapshot(versionSnapshot(sampleConfig("x"), 7n));
    // Flip one byte inside the route's upstream model ("gpt-x" -> "gpt-y"): still a valid message, wrong hash.
    const at = Buffer.from(bytes).indexOf("gpt-x") + 4;
    const tampered = Uint8Array.from(bytes);
    tampered[at] = "y".charCodeAt(0);
    expect(decodeSnapshot(tampered)).toMatchObject({ ok: false, error: { code: "version_mismatch" } });
  });

  it("encodes in slices to the same snapshot, across chunk boundaries", () => {
    const base = sampleConfig("slices");
    const consumerId = base.consumers[0]?.id as string;
    const apiKeys = Array.from({ length: 9_000 }, (_, i) => ({
      id: `k${String(i).padStart(5, "0")}`,
      consumerId,
      hash: i.toString(16).padStart(64, "0"),
    }));
    const s = versionSnapshot(buildSnapshot({ ...base, apiKeys }), 9n);
    const bytes = runSteps(encodeSnapshotSteps(s));
    expect(decodeSnapshot(bytes)).toEqual({ ok: true, value: s });
    expect(bytes.length).toBe(encodeSnapshot(s).length);
  });

  it("reuses unchanged buckets after a merge and still encodes exactly the merged snapshot", () => {
    const base = sampleConfig("buckets");
    const consumerId = base.consumers[0]?.id as string;
    const apiKeys = Array.from({ length: 2_000 }, () => ({
      id: randomUUID(),
      consumerId,
      hash: randomBytes(32).toString("hex"),
    }));
    let s = versionSnapshot(buildSnapshot({ ...base, apiKeys }), 1n);
    expect(decodeSnapshot(runSteps(encodeSnapshotSteps(s)))).toEqual({ ok: true, value: s });
    for (let step = 0; step < 4; step++) {
      const added = { id: randomUUID(), consumerId, hash: randomBytes(32).toString("hex") };
      const removed = s.config.apiKeys[step * 3]?.id as string;
      const delta = {
        upserts: { ...NONE, apiKeys: [added] },
        removed: { ...NONE, apiKeys: [removed] },
      };
      s = versionSnapshot(mergeDelta(s.config, delta, s.config.schemaVersion), BigInt(step + 2));
      const bytes = runSteps(encodeSnapshotSteps(s));
      expect(decodeSnapshot(bytes)).toEqual({ ok: true, value: s });
      expect(Buffer.from(bytes).equals(Buffer.from(runSteps(encodeSnapshotSteps(s))))).toBe(true);
      expect(runSteps(encodedSizeSteps(s))).toBe(bytes.length);
    }
  });
});
