import type { TokenUsage } from "@switchyard/providers";

/** How a forwarded call ended, from the client's point of view. */
export type ForwardResult =
  /**
   * Response headers went to the client with this status; the body followed (or was cut if it broke).
   * `usage` is what the answer reported (null when it reported none, or the stream was cut before its end);
   * `events` counts the server-sent events written, the measure of a stream's output when usage is missing.
   */
  | { readonly kind: "sent"; readonly status: number; readonly usage: TokenUsage | null; readonly events: number }
  /** Nothing was sent yet; the caller answers with this error. */
  | { readonly kind: "failed"; readonly code: "upstream_error" | "upstream_timeout"; readonly message: string }
  /** The client left before the upstream answered; there is no one to answer. */
  | { readonly kind: "client_gone" };

/** The client left before anything was sent. */
export const CLIENT_GONE: ForwardResult = Object.freeze({ kind: "client_gone" });

/**
 * An upstream 401 or 403 refuses the gateway's own provider credential (the client's key was checked before
 * any upstream call), so the client gets a 502 naming the gateway as the one to fix, never the upstream's
 * body, which can echo part of the key.
 */
export const CREDENTIALS_REJECTED: ForwardResult = Object.freeze({
  kind: "failed",
  code: "upstream_error",
  message:
    "The upstream provider rejected the gateway's credentials for this route; the gateway's operator must fix them.",
});
/** A `buffer` answer outgrew the cap. */
export const TOO_LARGE: ForwardResult = Object.freeze({
  kind: "failed",
  code: "upstream_error",
  message: "The upstream provider's response was too large to translate.",
});
/** No connection, or it failed before the upstream answered. */
export const UNREACHABLE: ForwardResult = Object.freeze({
  kind: "failed",
  code: "upstream_error",
  message: "The upstream provider could not be reached.",
});
/**
 * The connect-time guard refused the upstream's address (loopback, private, link-local such as cloud metadata)
 * because neither the provider (`allowInternal`) nor the node (ALLOW_INTERNAL_UPSTREAMS) allows it. The address
 * itself goes to the log, not to the client.
 */
export const INTERNAL_REFUSED: ForwardResult = Object.freeze({
  kind: "failed",
  code: "upstream_error",
  message:
    "The upstream provider's address is internal and this provider is not allowed to reach internal addresses; the gateway's operator must fix the provider.",
});
/** A `buffer` answer broke off; nothing was sent yet, so the client still gets a whole error. */
export const BROKEN: ForwardResult = Object.freeze({
  kind: "failed",
  code: "upstream_error",
  message: "The upstream provider's response broke off before it was complete.",
});
