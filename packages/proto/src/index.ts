/**
 * The wire contract of the config stream: protobuf-es messages generated from
 * proto/switchyard/config/v1/config.proto (never hand-edited; run `npm run proto:generate`) and the grpc-js
 * service adapter. Only @switchyard/config-sync imports this package; apps work with domain types.
 */
export * from "./config-service.ts";
export * from "./gen/switchyard/config/v1/config_pb.js";
