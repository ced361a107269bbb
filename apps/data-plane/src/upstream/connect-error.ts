/** Codes of the errors the upstream connector raises itself (undici's own codes start with `UND_ERR_`). */
export type UpstreamConnectCode =
  /** The upstream's address is internal and neither the provider nor the node allows internal addresses. */
  | "SY_INTERNAL_ADDRESS_REFUSED"
  /** The outbound proxy answered the CONNECT with something other than 200. */
  | "SY_PROXY_REFUSED"
  /** Resolving the name, or the proxy's CONNECT, took longer than the connect timeout (undici's code, on purpose). */
  | "UND_ERR_CONNECT_TIMEOUT";

/**
 * A connect failure with a code the proxy maps to its answer. Messages name hosts and addresses (which the
 * operator configured) and never credentials, so they can be logged.
 */
export class UpstreamConnectError extends Error {
  readonly code: UpstreamConnectCode;

  constructor(code: UpstreamConnectCode, message: string) {
    super(message);
    this.name = "UpstreamConnectError";
    this.code = code;
  }
}
