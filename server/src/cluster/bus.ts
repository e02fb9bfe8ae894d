import type { CommandResultFrame, LiveProbeSample } from '@lagebild/shared';

/** What server nodes tell each other. Every message is complete on its own: lists may arrive in parts. */
export type ClusterMessage =
  /** these devices' summaries changed in the shared store */
  | { type: 'devices'; ids: string[] }
  /** probe samples were committed to the shared store */
  | { type: 'probes'; samples: LiveProbeSample[] }
  /** an agent connected to the sender reported on a command */
  | { type: 'commandResult'; deviceId: string; result: CommandResultFrame }
  /** a stored command for a device the sender does not hold: the node holding it claims and sends it */
  | { type: 'command'; deviceId: string; commandId: string }
  /** the sender claimed the command and sent it to the agent */
  | { type: 'delivered'; commandId: string }
  /** who else is running? (asked by a starting node) */
  | { type: 'ping' }
  | { type: 'pong' };

export type ClusterListener = (message: ClusterMessage, fromNode: string) => void;

/**
 * The link between server nodes that share one store. Messages a node publishes reach every other
 * node, never itself; delivery is best effort (a node that is reconnecting misses what was sent
 * meanwhile and hears `onReconnect` afterwards), so anything that must survive lives in the store.
 */
export interface ClusterBus {
  /** this node's id, random per process */
  readonly nodeId: string;
  /** false when no other node can exist (single node on SQLite): callers skip relaying altogether */
  readonly shared: boolean;
  /** Connects and starts listening; rejects when the bus cannot be reached. */
  start(): Promise<void>;
  /** Sends to every other node; resolves once handed to the transport (not when heard). */
  publish(message: ClusterMessage): Promise<void>;
  subscribe(listener: ClusterListener): () => void;
  /** Called after the bus lost its connection and got it back: messages may have been missed. */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}
