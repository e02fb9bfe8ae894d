import { randomBytes } from 'node:crypto';
import type { ClusterBus, ClusterListener, ClusterMessage } from './bus.js';

/**
 * The bus of a node that is alone by construction (its store is an SQLite file only it opens): there is
 * nobody to tell, so publishing does nothing and no message ever arrives.
 */
export class SingleNodeBus implements ClusterBus {
  readonly nodeId = randomBytes(6).toString('hex');
  readonly shared = false;

  async start(): Promise<void> {}

  async publish(_message: ClusterMessage): Promise<void> {}

  subscribe(_listener: ClusterListener): () => void {
    return () => {};
  }

  onReconnect(_listener: () => void): () => void {
    return () => {};
  }

  async close(): Promise<void> {}
}
