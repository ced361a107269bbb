import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import { CONFIG_SERVICE_NAME } from "@switchyard/proto";

/** grpc.health.v1 serving states (the standard health protocol's enum values). */
const SERVING = 1;
const NOT_SERVING = 2;

/**
 * The standard gRPC health service (`grpc.health.v1.Health/Check`), so Kubernetes gRPC probes and load
 * balancers can check the config-stream port the way `/healthz` and `/readyz` check the HTTP ports. Its two
 * messages have one field each, so they are encoded with protobuf-es's wire helpers instead of vendoring
 * the upstream .proto into our contract.
 */
export const healthServiceDefinition: grpc.ServiceDefinition = {
  check: {
    path: "/grpc.health.v1.Health/Check",
    requestStream: false,
    responseStream: false,
    // Requests travel as objects: grpc-js treats a falsy decoded message (an empty service name) as missing.
    requestSerialize: ({ service }: { service: string }) => {
      const w = new BinaryWriter();
      if (service) w.tag(1, WireType.LengthDelimited).string(service);
      return Buffer.from(w.finish());
    },
    requestDeserialize: (bytes: Buffer): { service: string } => {
      const r = new BinaryReader(bytes);
      let service = "";
      while (r.pos < r.len) {
        const [field, wireType] = r.tag();
        if (field === 1 && wireType === WireType.LengthDelimited) service = r.string();
        else r.skip(wireType);
      }
      return { service };
    },
    responseSerialize: (status: number) =>
      Buffer.from(new BinaryWriter().tag(1, WireType.Varint).int32(status).finish()),
    responseDeserialize: (bytes: Buffer): number => {
      const r = new BinaryReader(bytes);
      let status = 0;
      while (r.pos < r.len) {
        const [field, wireType] = r.tag();
        if (field === 1 && wireType === WireType.Varint) status = r.int32();
        else r.skip(wireType);
      }
      return status;
    },
  },
};

/**
 * Handlers for {@link healthServiceDefinition}: the overall server ("") and the config service answer SERVING
 * while `serving()` is true; any other service name is NOT_FOUND, as the protocol specifies.
 */
export function healthHandlers(serving: () => boolean): grpc.UntypedServiceImplementation {
  return {
    check(call: grpc.ServerUnaryCall<{ service: string }, number>, callback: grpc.sendUnaryData<number>) {
      const { service } = call.request;
      if (service !== "" && service !== CONFIG_SERVICE_NAME) {
        callback({ code: grpc.status.NOT_FOUND, details: "unknown service" });
        return;
      }
      callback(null, serving() ? SERVING : NOT_SERVING);
    },
  };
}
