import * as grpc from "@grpc/grpc-js";

/**
 * Transport credentials of the config server. Plaintext for now: node tokens authenticate data planes, but
 * the stream (which carries decrypted provider keys) needs TLS on untrusted networks. The TLS issue adds
 * certificate options here (grpc.ServerCredentials.createSsl) and the matching `https://` target on the
 * client (client/target.ts); nothing else has to change.
 */
export function serverCredentials(): grpc.ServerCredentials {
  return grpc.ServerCredentials.createInsecure();
}
