import * as grpc from "@grpc/grpc-js";
import { CONFIG_SERVICE_NAME } from "@switchyard/proto";
import { afterEach, describe, expect, it } from "vitest";
import { versionSnapshot } from "../codec/index.ts";
import { sampleConfig } from "../test-fixtures.ts";
import { createConfigServer } from "./config-server.ts";
import { healthServiceDefinition } from "./health-service.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const HealthClient = grpc.makeGenericClientConstructor(healthServiceDefinition, "Health");

type CheckFn = (req: { service: string }, cb: (e: grpc.ServiceError | null, s?: number) => void) => void;

function check(port: number, service: string): Promise<{ status?: number; code?: number }> {
  const client = new HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (client as unknown as { check: CheckFn }).check.bind(client);
  return new Promise((resolve) => {
    call({ service }, (e, status) => {
      client.close();
      resolve(e ? { code: e.code } : { status });
    });
  });
}

describe("gRPC health service on the config port", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("answers NOT_SERVING before the first snapshot, SERVING after, NOT_FOUND for other services", async () => {
    const server = createConfigServer({
      nodeTokens: ["node-token-0123456789"],
      host: "127.0.0.1",
      port: 0,
      logger: silent,
    });
    close = () => server.close(100);
    const port = await server.listen();
    expect(await check(port, "")).toEqual({ status: 2 });
    server.publish(versionSnapshot(sampleConfig(), 1n));
    expect(await check(port, "")).toEqual({ status: 1 });
    expect(await check(port, CONFIG_SERVICE_NAME)).toEqual({ status: 1 });
    expect(await check(port, "some.other.Service")).toEqual({ code: grpc.status.NOT_FOUND });
  });

  it("follows the readiness it is given, without any node token", async () => {
    let ready = false;
    const server = createConfigServer({
      nodeTokens: ["node-token-0123456789"],
      host: "127.0.0.1",
      port: 0,
      logger: silent,
      ready: () => ready,
    });
    close = () => server.close(100);
    const port = await server.listen();
    expect(await check(port, "")).toEqual({ status: 2 });
    ready = true;
    expect(await check(port, "")).toEqual({ status: 1 });
  });
});
