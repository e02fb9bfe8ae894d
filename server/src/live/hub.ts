import { EventEmitter } from 'node:events';
import type { CommandResultFrame, FleetCounts, LiveMessage, LiveProbeSample } from '@lagebild/shared';
import type { Store } from '../store/store.js';

/** A listener gets each message once, already serialised (one JSON.stringify per message, not per client). */
export type LiveListener = (text: string, message: LiveMessage) => void;

export interface CommandResultEvent {
  deviceId: string;
  result: CommandResultFrame;
}

/** Something this node saw that the dashboards of other server nodes must see as well. */
export type LiveEvent =
  | { type: 'devices'; ids: string[] }
  | { type: 'probes'; samples: LiveProbeSample[] }
  | { type: 'commandResult'; event: CommandResultEvent };

export interface LiveHubDeps {
  store: Store;
  now: () => number;
  flushMs: number;
  onError: (err: unknown) => void;
}

/** Fleet counts without their timestamp: what decides whether a `fleet` push is news. */
function fleetKey(f: FleetCounts): string {
  const { at: _at, ...counts } = f;
  return JSON.stringify(counts);
}

/**
 * Collects what changed (devices, probe samples) and pushes it to dashboards coalesced: a storm of
 * batches within `flushMs` becomes one `device` message per changed device, at most one `fleet` and one
 * `probes` message. Local events are also handed to the relay (the cluster bus); events of other nodes
 * come in through `receive()` and are never relayed again.
 */
export class LiveHub {
  private readonly listeners = new Set<LiveListener>();
  private readonly events = new EventEmitter();
  private pendingDevices = new Set<string>();
  private pendingSamples: LiveProbeSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private lastFleet: string | undefined;
  private closed = false;
  private relay: ((event: LiveEvent) => void) | undefined;

  constructor(private readonly deps: LiveHubDeps) {
    // every open dashboard listens for command results: hundreds are normal, not a leak
    this.events.setMaxListeners(0);
  }

  /** Hands every local event to `relay` as well (one per call, uncoalesced; the relay batches). */
  relayTo(relay: ((event: LiveEvent) => void) | undefined): void {
    this.relay = relay;
  }

  /** Remembers the current fleet counts so the first change is compared with something real. */
  async init(): Promise<void> {
    this.lastFleet = fleetKey(await this.deps.store.fleetCounts(this.deps.now()));
  }

  /** A device's summary (or online state) changed. */
  deviceChanged(deviceId: string): void {
    this.apply({ type: 'devices', ids: [deviceId] });
    this.relay?.({ type: 'devices', ids: [deviceId] });
  }

  /** Probe samples were committed. */
  probesStored(samples: LiveProbeSample[]): void {
    if (samples.length === 0) return;
    this.apply({ type: 'probes', samples });
    this.relay?.({ type: 'probes', samples });
  }

  /** An agent reported progress or the result of a command. */
  commandResult(event: CommandResultEvent): void {
    this.apply({ type: 'commandResult', event });
    this.relay?.({ type: 'commandResult', event });
  }

  /** What another server node saw (its store writes are committed): pushed here like a local event. */
  receive(event: LiveEvent): void {
    if (!this.closed) this.apply(event);
  }

  /**
   * Sends every dashboard the whole picture again: after the cluster bus was disconnected, changes of
   * other nodes may have been missed, and a snapshot replaces all of a dashboard's state.
   */
  resync(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing
      .then(async () => {
        await this.flushNow();
        if (this.closed || this.listeners.size === 0) return;
        const snapshot = await this.snapshot();
        this.lastFleet = fleetKey(snapshot.fleet);
        this.publish(snapshot);
      })
      .catch(this.deps.onError);
    return this.flushing;
  }

  /** Subscribes to command results; returns the unsubscribe function. */
  onCommandResult(listener: (event: CommandResultEvent) => void): () => void {
    this.events.on('commandResult', listener);
    return () => this.events.off('commandResult', listener);
  }

  /** Subscribes to live messages; returns the unsubscribe function. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** The whole picture for a dashboard that just connected. */
  async snapshot(): Promise<Extract<LiveMessage, { type: 'snapshot' }>> {
    const serverTime = this.deps.now();
    const [fleet, devices] = await Promise.all([
      this.deps.store.fleetCounts(serverTime),
      this.deps.store.deviceSummaries(),
    ]);
    return { type: 'snapshot', serverTime, fleet, devices };
  }

  /** Pushes everything pending now (also used by tests and on shutdown). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // flushes run one after another so messages keep their order
    this.flushing = this.flushing.then(() => this.flushNow()).catch(this.deps.onError);
    return this.flushing;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
    this.events.removeAllListeners();
  }

  private apply(event: LiveEvent): void {
    if (event.type === 'commandResult') {
      this.events.emit('commandResult', event.event);
      return;
    }
    if (event.type === 'devices') for (const id of event.ids) this.pendingDevices.add(id);
    else if (event.samples.length === 0) return;
    else for (const s of event.samples) this.pendingSamples.push(s);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => void this.flush(), this.deps.flushMs);
  }

  private async flushNow(): Promise<void> {
    const ids = [...this.pendingDevices];
    const samples = this.pendingSamples;
    this.pendingDevices = new Set();
    this.pendingSamples = [];
    if (this.closed) return;
    if (ids.length > 0) {
      for (const device of await this.deps.store.deviceSummaries(ids))
        this.publish({ type: 'device', device });
      const fleet = await this.deps.store.fleetCounts(this.deps.now());
      const key = fleetKey(fleet);
      if (key !== this.lastFleet) {
        this.lastFleet = key;
        this.publish({ type: 'fleet', fleet });
      }
    }
    if (samples.length > 0) this.publish({ type: 'probes', samples });
  }

  private publish(message: LiveMessage): void {
    if (this.listeners.size === 0) return;
    const text = JSON.stringify(message);
    for (const listener of this.listeners) listener(text, message);
  }
}
