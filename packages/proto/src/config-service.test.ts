import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { configServiceDefinition, preEncoded } from "./config-service.ts";
import { StreamConfigRequestSchema, StreamConfigResponseSchema } from "./gen/switchyard/config/v1/config_pb.js";

describe("configServiceDefinition", () => {
  const m = configServiceDefinition.streamConfig;

  it("describes one bidirectional method at the fully qualified path", () => {
    expect(m.path).toBe("/switchyard.config.v1.ConfigService/StreamConfig");
    expect(m.requestStream).toBe(true);
    expect(m.responseStream).toBe(true);
  });

  it("round-trips requests and responses through protobuf binary", () => {
    const hello = create(StreamConfigRequestSchema, {
      kind: { case: "hello", value: { nodeId: "n1", labels: { zone: "a" }, protocolVersion: 1 } },
    });
    const back = m.requestDeserialize(m.requestSerialize(hello));
    expect(back.kind.case).toBe("hello");
    expect(back.kind.value).toMatchObject({ nodeId: "n1", labels: { zone: "a" }, protocolVersion: 1 });

    const snap = create(StreamConfigResponseSchema, {
      kind: { case: "snapshot", value: { version: "v", generation: 2n ** 60n, nonce: "x" } },
    });
    const decoded = m.responseDeserialize(m.responseSerialize(snap));
    expect(decoded.kind.case === "snapshot" && decoded.kind.value.generation).toBe(2n ** 60n);
  });

  it("sends pre-encoded response bytes as they are", () => {
    const snap = create(StreamConfigResponseSchema, {
      kind: { case: "snapshot", value: { version: "v", generation: 7n, nonce: "n" } },
    });
    const bytes = toBinary(StreamConfigResponseSchema, snap);
    const wire = m.responseSerialize(preEncoded(bytes));
    expect(Buffer.compare(wire, Buffer.from(bytes))).toBe(0);
    expect(m.responseDeserialize(wire)).toMatchObject({ kind: { case: "snapshot", value: { version: "v" } } });
  });
});
