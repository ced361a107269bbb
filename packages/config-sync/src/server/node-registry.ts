import type { ApplyError, NodeHello } from "../codec/index.ts";

/** What the control plane knows about one data plane node, for status pages and convergence checks. */
export interface NodeStatus {
  readonly nodeId: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly buildVersion: string;
  readonly protocolVersion: number;
  /** Identifies the node's latest stream; a status written elsewhere by an older stream must not win. */
  readonly streamId: string;
  /** False when the node was refused because this control plane cannot serve its protocol version. */
  readonly compatible: boolean;
  /** Why the node was refused, for operators; null when compatible. */
  readonly incompatibility: string | null;
  /** When the node's latest stream was accepted (or refused). */
  readonly connectedAt: Date;
  /** When the node was last known alive: now while connected, else when its stream ended. */
  readonly lastSeenAt: Date;
  /** The version the node last confirmed it serves: by Ack, or in its Hello as already applied. */
  readonly ackedVersion: string | null;
  /** Generation of that version, when known. */
  readonly ackedGeneration: bigint | null;
  readonly ackedAt: Date | null;
  /** The latest snapshot the node rejected, kept across reconnects so operators can see it. */
  readonly lastNack: { readonly version: string; readonly error: ApplyError; readonly at: Date } | null;
  readonly connected: boolean;
}

/** Disconnected nodes remembered at most; pods come and go with fresh ids, so the list must not grow forever. */
const MAX_DISCONNECTED = 1_000;

type Entry = { status: NodeStatus; owner: object | null };

/**
 * Node statuses by node id. Each entry is owned by the node's latest stream (`owner`); updates from an older
 * stream of the same node, still open on a dead connection, are ignored so they cannot overwrite newer facts.
 */
export function createNodeRegistry() {
  const entries = new Map<string, Entry>();

  const update = (nodeId: string, owner: object, change: Partial<NodeStatus>): void => {
    const e = entries.get(nodeId);
    if (e && e.owner === owner) e.status = Object.freeze({ ...e.status, ...change });
  };

  const prune = (): void => {
    const gone = [...entries].filter(([, e]) => e.owner === null);
    // Map iteration is insertion order and disconnect re-inserts, so the first entries left longest ago.
    for (const [id] of gone.slice(0, Math.max(0, gone.length - MAX_DISCONNECTED))) entries.delete(id);
  };

  const fromHello = (hello: NodeHello, streamId: string, now: Date): NodeStatus => ({
    nodeId: hello.nodeId,
    hostname: hello.hostname,
    labels: Object.freeze({ ...hello.labels }),
    buildVersion: hello.buildVersion,
    protocolVersion: hello.protocolVersion,
    streamId,
    compatible: true,
    incompatibility: null,
    connectedAt: now,
    lastSeenAt: now,
    ackedVersion: hello.lastAppliedVersion,
    ackedGeneration: hello.lastAppliedGeneration,
    ackedAt: hello.lastAppliedVersion === null ? null : now,
    lastNack: entries.get(hello.nodeId)?.status.lastNack ?? null,
    connected: true,
  });

  const replace = (nodeId: string, entry: Entry): void => {
    entries.delete(nodeId);
    entries.set(nodeId, entry);
  };

  return {
    /** Records an accepted Hello; `owner` identifies the stream from now on. */
    connected(hello: NodeHello, owner: object, streamId: string): void {
      replace(hello.nodeId, { status: Object.freeze(fromHello(hello, streamId, new Date())), owner });
    },
    /** Records a node refused for its protocol version, so the fleet view lists it as incompatible. */
    refused(hello: NodeHello, streamId: string, reason: string): void {
      if (!hello.nodeId) return;
      const status = { ...fromHello(hello, streamId, new Date()), compatible: false, incompatibility: reason };
      replace(hello.nodeId, { status: Object.freeze({ ...status, connected: false }), owner: null });
      prune();
    },
    acked(nodeId: string, owner: object, version: string, generation: bigint): void {
      update(nodeId, owner, { ackedVersion: version, ackedGeneration: generation, ackedAt: new Date() });
    },
    nacked(nodeId: string, owner: object, version: string, error: ApplyError): void {
      update(nodeId, owner, {
        lastNack: Object.freeze({ version, error: Object.freeze({ ...error }), at: new Date() }),
      });
    },
    disconnected(nodeId: string, owner: object): void {
      const e = entries.get(nodeId);
      if (!e || e.owner !== owner) return;
      replace(nodeId, {
        status: Object.freeze({ ...e.status, connected: false, lastSeenAt: new Date() }),
        owner: null,
      });
      prune();
    },
    /** How many nodes are connected now. */
    connectedCount(): number {
      let n = 0;
      for (const e of entries.values()) if (e.status.connected) n++;
      return n;
    },
    /** Every known node, sorted by id; connected ones are seen now. */
    list(): NodeStatus[] {
      const now = new Date();
      return [...entries.values()]
        .map((e) => (e.status.connected ? Object.freeze({ ...e.status, lastSeenAt: now }) : e.status))
        .sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
    },
  };
}

/** The registry's interface, for the sessions that report into it. */
export type NodeRegistry = ReturnType<typeof createNodeRegistry>;
