import { describe, expect, it } from "vitest";
import { sampleConfig } from "../test-fixtures.ts";
import { decodeSnapshot, encodeSnapshot } from "./snapshot-bytes.ts";
import { versionSnapshot } from "./version.ts";

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
});
