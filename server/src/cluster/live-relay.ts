import type { LiveProbeSample } from '@lagebild/shared';
import type { LiveEvent, LiveHub } from '../live/hub.js';
import type { ClusterBus, ClusterMessage } from './bus.js';
import type { BusLog } from './pg-bus.js';

export interface LiveRelayDeps {
  bus: ClusterBus;
  hub: LiveHub;
  log: BusLog;
  /** local events are gathered this long into one publish (default 25 ms) */
  coalesceMs?: number;
  /** samples held while the bus is slow or down; beyond, new ones are dropped (default 50 000) */
  maxPendingSamples?: number;
}

/** Holding back the last warning keeps a database outage from writing a log line per publish. */
const WARN_EVERY_MS = 10_000;
const RETRY_MS = 1000;

/**
 * Carries live events between this node's hub and the other nodes: local events are coalesced
 * (a storm of batches becomes a few notifications) and published; other nodes' events are fed into
 * the hub, which does not relay them again. After the bus reconnects, dashboards get a fresh snapshot.
 */
export class LiveRelay {
  private devices = new Set<string>();
  private samples: LiveProbeSample[] = [];
  private results: ClusterMessage[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private lastWarnAt = 0;
  /** the last publish failed: wait longer before the next one instead of hammering a database that is down */
  private failing = false;
  private readonly detach: (() => void)[] = [];

  constructor(private readonly deps: LiveRelayDeps) {}

  start(): void {
    const { bus, hub } = this.deps;
    hub.relayTo((event) => this.outbound(event));
    this.detach.push(() => hub.relayTo(undefined));
    this.detach.push(bus.subscribe((message) => this.inbound(message)));
    this.detach.push(bus.onReconnect(() => void hub.resync()));
  }

  /** Publishes what is pending and stops relaying; waits at most `timeoutMs` for the bus. */
  async close(timeoutMs = 2000): Promise<void> {
    for (const d of this.detach.splice(0)) d();
    clearTimeout(this.timer);
    this.timer = undefined;
    const done = (async () => {
      await this.sending;
      await this.flush();
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  private outbound(event: LiveEvent): void {
    if (event.type === 'devices') for (const id of event.ids) this.devices.add(id);
    else if (event.type === 'probes') {
      const room = (this.deps.maxPendingSamples ?? 50_000) - this.samples.length;
      for (const s of event.samples.slice(0, Math.max(0, room))) this.samples.push(s);
      this.dropped += Math.max(0, event.samples.length - Math.max(0, room));
    } else
      this.results.push({
        type: 'commandResult',
        deviceId: event.event.deviceId,
        result: event.event.result,
      });
    this.schedule();
  }

  private inbound(message: ClusterMessage): void {
    const { hub } = this.deps;
    if (message.type === 'devices') hub.receive({ type: 'devices', ids: message.ids });
    else if (message.type === 'probes') hub.receive({ type: 'probes', samples: message.samples });
    else if (message.type === 'commandResult')
      hub.receive({ type: 'commandResult', event: { deviceId: message.deviceId, result: message.result } });
  }

  private schedule(): void {
    // while a publish is under way, events gather and leave when it is done
    if (this.timer || this.sending) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.sending = this.flush().finally(() => {
          this.sending = undefined;
          if (this.devices.size > 0 || this.samples.length > 0 || this.results.length > 0) this.schedule();
        });
      },
      this.failing ? RETRY_MS : (this.deps.coalesceMs ?? 25),
    );
  }

  private async flush(): Promise<void> {
    const messages: ClusterMessage[] = [];
    if (this.devices.size > 0) messages.push({ type: 'devices', ids: [...this.devices] });
    if (this.samples.length > 0) messages.push({ type: 'probes', samples: this.samples });
    messages.push(...this.results);
    this.devices = new Set();
    this.samples = [];
    this.results = [];
    const dropped = this.dropped;
    this.dropped = 0;
    let sent = 0;
    try {
      for (const message of messages) {
        await this.deps.bus.publish(message);
        sent++;
      }
      this.failing = false;
      if (dropped > 0)
        this.warn({ dropped }, 'cluster bus: live probe samples dropped while the bus was slow');
    } catch (err) {
      this.failing = true;
      this.warn({ err, unsent: messages.length - sent }, 'cluster bus: publishing live events failed');
      // changed devices are worth another try (other nodes read their state from the store); samples are not
      for (const m of messages.slice(sent))
        if (m.type === 'devices') for (const id of m.ids) this.devices.add(id);
    }
  }

  private warn(obj: object, msg: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = now;
    this.deps.log.warn(obj, msg);
  }
}
