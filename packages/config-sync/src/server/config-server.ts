import * as grpc from "@grpc/grpc-js";
import type { VersionedSnapshot } from "@switchyard/policy";
import { type ConfigServiceHandlers, configServiceDefinition } from "@switchyard/proto";
import type { SyncLogger } from "../logger.ts";
import { createDeltaCache } from "./delta-cache.ts";
import { healthHandlers, healthServiceDefinition } from "./health-service.ts";
import { createNodeRegistry, type NodeStatus } from "./node-registry.ts";
import { type NodeSession, startNodeSession } from "./node-session.ts";
import { createNodeTokenCheck } from "./node-token-check.ts";
import { certificateIdentity, type ServerTlsOptions, serverCredentials } from "./server-credentials.ts";

/** Options of {@link createConfigServer}. */
export interface ConfigServerOptions {
  /**
   * Bearer tokens data planes may present: the current one first, then older ones still accepted during a
   * rotation. A node using an older one is logged, so operators know who has not moved yet.
   */
  nodeTokens: readonly string[];
  /** TLS for the stream; absent means plaintext, which callers must have allowed explicitly. */
  tls?: ServerTlsOptions;
  /** Interface to bind; defaults to all interfaces. */
  host?: string;
  /** Port to bind; 0 picks a free one (see `listen()`'s result). */
  port: number;
  logger: SyncLogger;
  /** Interval of HTTP/2 keepalive pings to each node, so dead connections are noticed; defaults to 10 s. */
  keepaliveTimeMs?: number;
  /** How long a ping may go unanswered before the node's connection is closed; defaults to 5 s. */
  keepaliveTimeoutMs?: number;
  /**
   * Readiness reported by the standard gRPC health service on the same port (SERVING while true and not
   * shutting down); defaults to "serving once a snapshot is published".
   */
  ready?: () => boolean;
  /** Told about stream events, for metrics. */
  events?: ConfigServerEvents;
}

/** Stream events a control plane counts. */
export interface ConfigServerEvents {
  /** A Hello was accepted. */
  onConnected?(): void;
  /** A stream was refused: bad token, unservable protocol version, malformed Hello. */
  onRefused?(reason: "unauthenticated" | "incompatible" | "invalid"): void;
  /** A snapshot was sent to one node. */
  onSent?(kind: "full" | "delta"): void;
  /** A node answered the latest send. */
  onAnswer?(result: "ack" | "nack"): void;
}

/** The control plane's end of the config stream. */
export interface ConfigServer {
  /** Binds and starts serving; resolves with the bound port. */
  listen(): Promise<number>;
  /** Makes `s` current and sends it to every connected node that does not already have it. */
  publish(s: VersionedSnapshot): void;
  /** The snapshot new nodes receive, if one was published. */
  current(): VersionedSnapshot | undefined;
  /** Every node seen since start, connected or not, sorted by id. */
  nodes(): NodeStatus[];
  /**
   * Data-plane nodes counted as the fleet: the larger of the size last set with {@link setFleetSize} and the
   * nodes connected to this server. Sent with every Snapshot and, when it changes, as a FleetUpdate.
   */
  fleetSize(): number;
  /**
   * Sets the fleet size counted across every control-plane replica (this server alone sees only its own
   * streams); null goes back to counting this server's nodes only.
   */
  setFleetSize(size: number | null): void;
  /** Ends every stream (nodes reconnect elsewhere), then shuts down; forced after `graceMs` (default 5 s). */
  close(graceMs?: number): Promise<void>;
}

/**
 * Creates the gRPC server data planes dial for configuration. It holds the latest published snapshot and
 * pushes it whole to every node; node status lives in memory and is rebuilt as nodes reconnect.
 */
export function createConfigServer(opts: ConfigServerOptions): ConfigServer {
  const { logger } = opts;
  const matchToken = createNodeTokenCheck(opts.nodeTokens);
  // Built before anything listens, so bad certificate files fail start-up.
  const credentials = serverCredentials(opts.tls);
  const registry = createNodeRegistry();
  const sessions = new Set<NodeSession>();
  let current: VersionedSnapshot | undefined;
  const deltas = createDeltaCache();
  let closing = false;
  let listening = false;
  let fleetFromOutside: number | null = null;
  /** The fleet size as last counted; recounted only when membership or the outside count changes. */
  let fleetCurrent = 0;

  const fleetSize = (): number => fleetCurrent;
  /** Recounts the fleet and tells every node when the size changed. */
  const fleetChanged = (): void => {
    const size = Math.max(fleetFromOutside ?? 0, registry.connectedCount());
    if (size === fleetCurrent) return;
    fleetCurrent = size;
    if (size < 1) return;
    logger.debug({ fleetSize: size }, "fleet size changed");
    for (const session of sessions) session.fleet(size);
  };

  const server = new grpc.Server({
    "grpc.keepalive_time_ms": opts.keepaliveTimeMs ?? 10_000,
    "grpc.keepalive_timeout_ms": opts.keepaliveTimeoutMs ?? 5_000,
  });

  const handlers: ConfigServiceHandlers = {
    streamConfig(call) {
      if (closing) {
        call.emit("error", { code: grpc.status.UNAVAILABLE, details: "control plane is shutting down" });
        return;
      }
      const tokenIndex = matchToken(call.metadata);
      if (tokenIndex < 0) {
        logger.warn({ peer: call.getPeer() }, "config stream refused: missing or unknown node token");
        opts.events?.onRefused?.("unauthenticated");
        call.emit("error", { code: grpc.status.UNAUTHENTICATED, details: "missing or invalid node token" });
        return;
      }
      const session = startNodeSession(call, {
        certificateIdentity: certificateIdentity(call),
        previousToken: tokenIndex > 0,
        deltaFrom: deltas.from,
        current: () => current,
        fleetSize,
        onMembership: fleetChanged,
        registry,
        logger,
        events: opts.events ?? {},
        onClosed: (s) => sessions.delete(s),
      });
      sessions.add(session);
    },
  };
  server.addService(configServiceDefinition, handlers);
  const ready = opts.ready ?? (() => current !== undefined);
  server.addService(
    healthServiceDefinition,
    healthHandlers(() => !closing && ready()),
  );

  return {
    listen() {
      if (listening) return Promise.reject(new Error("config server is already listening"));
      listening = true;
      const address = `${opts.host ?? "0.0.0.0"}:${opts.port}`;
      return new Promise((resolve, reject) => {
        server.bindAsync(address, credentials, (error, port) => {
          if (error) return reject(error);
          logger.info(
            { port, tls: opts.tls !== undefined, mutualTls: Boolean(opts.tls?.clientCaFile) },
            "config server listening",
          );
          resolve(port);
        });
      });
    },
    publish(s) {
      if (current && s.generation < current.generation) {
        // Two builders racing must not roll the fleet back; the change log's order wins.
        logger.warn(
          { version: s.version, generation: String(s.generation), current: String(current.generation) },
          "older snapshot not published",
        );
        return;
      }
      current = s;
      deltas.published(s);
      logger.info({ version: s.version, generation: String(s.generation), nodes: sessions.size }, "snapshot published");
      for (const session of sessions) session.offer(s);
    },
    current: () => current,
    nodes: () => registry.list(),
    fleetSize,
    setFleetSize(size) {
      fleetFromOutside = size;
      fleetChanged();
    },
    async close(graceMs = 5_000) {
      closing = true;
      for (const session of [...sessions]) session.end(grpc.status.UNAVAILABLE, "control plane is shutting down");
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
