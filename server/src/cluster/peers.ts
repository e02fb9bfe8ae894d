import type { ClusterBus } from './bus.js';

/** Answers other nodes' pings, so that a node joining the cluster knows it is not alone. */
export function answerPings(bus: ClusterBus, onError: (err: unknown) => void): () => void {
  return bus.subscribe((message) => {
    if (message.type === 'ping') bus.publish({ type: 'pong' }).catch(onError);
  });
}

/**
 * True as soon as another node answers a ping, false when none did within `waitMs`. A node that starts
 * alone may mark every device offline (a crash left them online); one that joins running nodes must not,
 * their agents are connected.
 */
export async function othersRunning(bus: ClusterBus, waitMs: number): Promise<boolean> {
  if (!bus.shared) return false;
  let answered: () => void = () => {};
  const heard = new Promise<boolean>((resolve) => {
    answered = () => resolve(true);
  });
  const off = bus.subscribe((message) => {
    if (message.type === 'pong') answered();
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await bus.publish({ type: 'ping' });
    return await Promise.race([
      heard,
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs))),
    ]);
  } finally {
    clearTimeout(timer);
    off();
  }
}
