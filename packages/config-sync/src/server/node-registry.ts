import type { ApplyError, NodeHello } from "../codec/index.ts";

/** What the control plane knows about one data plane node, for status pages and convergence checks. */
export interface NodeStatus {
  readonly nodeId: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly buildVersion: string;
  readonly protocolVersion: number;
  /** When the node's latest stream was accepted. */
  readonly connectedAt: Date;
  /** The version the node last confirmed it serves: by Ack, or in its Hello as already applied. */
  readonly ackedVersion: string | null;
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

  return {
    /** Records an accepted Hello; `owner` identifies the stream from now on. */
    connected(hello: NodeHello, owner: object): void {
      const now = new Date();
      const status: NodeStatus = Object.freeze({
        nodeId: hello.nodeId,
        hostname: hello.hostname,
        labels: Object.freeze({ ...hello.labels }),
        buildVersion: hello.buildVersion,
        protocolVersion: hello.protocolVersion,
        connectedAt: now,
        ackedVersion: hello.lastAppliedVersion,
        ackedAt: hello.lastAppliedVersion === null ? null : now,
        lastNack: entries.get(hello.nodeId)?.status.lastNack ?? null,
        connected: true,
      });
      entries.delete(hello.nodeId);
      entries.set(hello.nodeId, { status, owner });
    },
    acked(nodeId: string, owner: object, version: string): void {
      update(nodeId, owner, { ackedVersion: version, ackedAt: new Date() });
    },
    nacked(nodeId: string, owner: object, version: string, error: ApplyError): void {
      update(nodeId, owner, {
        lastNack: Object.freeze({ version, error: Object.freeze({ ...error }), at: new Date() }),
      });
    },
    disconnected(nodeId: string, owner: object): void {
      const e = entries.get(nodeId);
      if (!e || e.owner !== owner) return;
      entries.delete(nodeId);
      entries.set(nodeId, { status: Object.freeze({ ...e.status, connected: false }), owner: null });
      prune();
    },
    /** Every known node, sorted by id. */
    list(): NodeStatus[] {
      return [...entries.values()].map((e) => e.status).sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
    },
  };
}

/** The registry's interface, for the sessions that report into it. */
export type NodeRegistry = ReturnType<typeof createNodeRegistry>;
