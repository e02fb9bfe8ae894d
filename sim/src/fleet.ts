import { AGENT_WS_PATH, type ProbeConfig, type VpnState } from '@lagebild/shared';
import {
  DEFAULT_GATEWAYS,
  DEFAULT_PROBE_INTERVAL_SEC,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_PROBES,
  DEFAULT_SLOW_APP,
  type SimProbe,
} from './defaults.js';
import { SimError } from './enroll.js';
import { deviceProfile } from './profile.js';
import { Scheduler } from './scheduler.js';
import { DeviceClient, type DeviceContext, type FleetCounters, type SimDevice } from './sim-device.js';

export interface FleetOptions {
  /** base URL of the Lagebild server, e.g. http://127.0.0.1:8080 */
  serverUrl: string;
  enrollSecret: string;
  devices: number;
  /** seed of every random choice (default 1): the same seed gives the same fleet */
  seed?: number;
  /** time compression: intervals and event rates run `speed` times faster (default 1) */
  speed?: number;
  /** probed until the server pushes its own config */
  probes?: SimProbe[];
  gateways?: string[];
  /** probe id (or part of the app name) that is slow behind `slowGateway` (default 'bauportal') */
  slowApp?: string;
  /** default: the second gateway */
  slowGateway?: string;
  /** devices enrolling and connecting at the same time (default 50) */
  connectConcurrency?: number;
  /** local source addresses (e.g. 127.0.0.2…) spread over the devices, to go past one address's ports */
  localAddresses?: string[];
  /** how long startFleet waits for every welcome (default 60 s, plus 20 ms per device beyond 3,000) */
  startTimeoutMs?: number;
  /**
   * false: when the start timeout passes with some devices still refused (e.g. a busy server telling
   * them to come back later), startFleet resolves anyway and those devices keep retrying (default true:
   * it fails)
   */
  waitForAll?: boolean;
  /** called with the number of welcomed devices while the fleet connects, at most once a second */
  onProgress?: (connected: number, total: number) => void;
  /** how often queued observations go out (default 100 ms) */
  flushIntervalMs?: number;
  /** how long a device waits for the server's config before probing the defaults (default 2 s) */
  configGraceMs?: number;
  /** remember seq, kind and time of every observation in `device.history` (default false; for tests) */
  keepHistory?: boolean;
  onLog?: (line: string) => void;
}

export interface FleetStats {
  devices: number;
  connected: number;
  /** observations sent for the first time */
  sent: number;
  /** observations sent again after a reconnect */
  resent: number;
  acked: number;
  /** measured and not yet acknowledged (includes what offline devices hold) */
  pending: number;
  /** error frames and invalid frames received */
  errors: number;
  reconnects: number;
}

export interface Fleet {
  readonly devices: readonly SimDevice[];
  /** Closes the device's socket and keeps it offline; it keeps measuring. */
  goOffline(index: number): void;
  /** Reconnects the device; it resends everything unacknowledged. */
  goOnline(index: number): void;
  /** Forces a device's VPN state; 'auto' hands it back to the behaviour model. */
  setVpn(index: number, state: VpnState | 'auto'): void;
  stats(): FleetStats;
  /** Resolves when everything measured before the call by devices not held offline is acknowledged. */
  waitForAcks(timeoutMs: number): Promise<void>;
  /** Closes every socket and clears every timer. */
  stop(): Promise<void>;
}

const LOG_LINES_PER_SECOND = 50;

function checkOptions(o: FleetOptions): void {
  if (!/^https?:\/\//.test(o.serverUrl))
    throw new TypeError(`serverUrl must be http(s)://host:port, got ${o.serverUrl}`);
  if (!Number.isInteger(o.devices) || o.devices < 1)
    throw new TypeError(`devices must be a positive integer`);
  if (o.speed !== undefined && !(o.speed > 0)) throw new TypeError('speed must be greater than 0');
  if (o.gateways && o.gateways.length === 0) throw new TypeError('gateways must not be empty');
  if (o.probes?.some((p) => !/^[a-z0-9_-]+$/.test(p.id)))
    throw new TypeError('probe ids must be lowercase ASCII');
}

/** Logs through `onLog`, at most LOG_LINES_PER_SECOND lines a second, so a server restart seen by thousands of devices does not flood. */
function throttledLog(onLog: (line: string) => void): (line: string) => void {
  let windowStart = 0;
  let lines = 0;
  let suppressed = 0;
  return (line) => {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      if (suppressed > 0) onLog(`(${suppressed} more log lines suppressed)`);
      windowStart = now;
      lines = 0;
      suppressed = 0;
    }
    if (++lines <= LOG_LINES_PER_SECOND) onLog(line);
    else suppressed++;
  };
}

/** Enrolls and connects a simulated fleet; resolves once every device has been welcomed. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  checkOptions(options);
  const fleet = new SimFleet(options);
  try {
    // big fleets take a while to enrol and connect (about 70 devices/s on a busy 2-core machine)
    const timeoutMs = options.startTimeoutMs ?? 60_000 + Math.max(0, options.devices - 3_000) * 20;
    await fleet.connectAll(
      options.connectConcurrency ?? 50,
      timeoutMs,
      options.waitForAll ?? true,
      options.onProgress,
    );
  } catch (e) {
    await fleet.stop();
    throw e;
  }
  return fleet;
}

class SimFleet implements Fleet {
  readonly devices: DeviceClient[];
  private readonly scheduler: Scheduler;
  private readonly counters: FleetCounters = { sent: 0, resent: 0, acked: 0, errors: 0, reconnects: 0 };
  private readonly dirty = new Set<DeviceClient>();
  private readonly ackWaiters = new Set<{ targets: Map<DeviceClient, number>; done(): void }>();
  private firstFailure: { device: DeviceClient; error: SimError } | null = null;
  private onFatal: ((device: DeviceClient, error: SimError) => void) | null = null;
  private stopping: Promise<void> | null = null;

  constructor(options: FleetOptions) {
    const log = throttledLog(options.onLog ?? (() => {}));
    this.scheduler = new Scheduler((e) => log(`simulator error: ${(e as Error).stack ?? e}`));
    const seed = options.seed ?? 1;
    const speed = options.speed ?? 1;
    const gateways = options.gateways ?? [...DEFAULT_GATEWAYS];
    const defaultProbes: ProbeConfig[] = (options.probes ?? DEFAULT_PROBES).map((p) => ({
      id: p.id,
      app: p.app,
      kind: 'http',
      target: `https://${p.id}.stadt.internal/`,
      intervalSec: DEFAULT_PROBE_INTERVAL_SEC,
      timeoutMs: DEFAULT_PROBE_TIMEOUT_MS,
    }));
    const wsUrl = new URL(AGENT_WS_PATH, options.serverUrl);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    const addresses = options.localAddresses ?? [];
    const base: Omit<DeviceContext, 'localAddress'> = {
      scheduler: this.scheduler,
      serverUrl: options.serverUrl,
      wsUrl: wsUrl.href,
      enrollSecret: options.enrollSecret,
      seed,
      behaviour: {
        speed,
        slowApp: options.slowApp ?? DEFAULT_SLOW_APP,
        slowGateway: options.slowGateway ?? gateways[1] ?? gateways[0] ?? '',
      },
      routine: { speed, defaultProbes, configGraceMs: options.configGraceMs ?? 2_000 },
      keepHistory: options.keepHistory ?? false,
      counters: this.counters,
      log,
      markDirty: (d) => this.dirty.add(d),
      acked: (d) => this.onAcked(d),
      failed: (d, e) => {
        this.firstFailure ??= { device: d, error: e };
        if (!e.retryable) this.onFatal?.(d, e);
      },
    };
    this.devices = Array.from(
      { length: options.devices },
      (_, i) =>
        new DeviceClient(deviceProfile(seed, i, gateways), {
          ...base,
          localAddress: addresses[i % addresses.length],
        }),
    );
    this.scheduler.every(options.flushIntervalMs ?? 100, () => {
      // deleting the current element while iterating a Set is safe
      for (const d of this.dirty) if (!d.flush()) this.dirty.delete(d);
    });
  }

  /**
   * Starts devices with bounded concurrency; resolves when all are welcomed, or at the timeout when
   * `waitForAll` is false and at least one device is in.
   */
  connectAll(
    concurrency: number,
    timeoutMs: number,
    waitForAll = true,
    onProgress?: (connected: number, total: number) => void,
  ): Promise<void> {
    const total = this.devices.length;
    let next = 0;
    let welcomed = 0;
    let reported = 0;
    return new Promise((resolve, reject) => {
      let settled = false;
      const progress = onProgress
        ? setInterval(() => {
            if (welcomed === reported) return;
            reported = welcomed;
            onProgress(reported, total);
          }, 1000)
        : undefined;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(progress);
        if (onProgress && welcomed !== reported) onProgress(welcomed, total);
        this.onFatal = null;
        if (error) reject(error);
        else resolve();
      };
      const startError = (reason: string, failure: { device: DeviceClient; error: SimError } | null) => {
        const first = failure
          ? `; first failure: ${failure.device.hostname} (${failure.device.hardwareId}): ${failure.error.message}`
          : '';
        return new SimError(
          `fleet start failed: ${welcomed}/${total} devices connected, ${reason}${first}`,
          failure?.error.code,
          false,
        );
      };
      const timer = setTimeout(() => {
        if (!waitForAll && welcomed > 0) finish();
        else finish(startError(`timed out after ${timeoutMs} ms`, this.firstFailure));
      }, timeoutMs);
      this.onFatal = (device, error) => finish(startError('a device gave up', { device, error }));
      const launch = () => {
        while (next < total && next - welcomed < concurrency) {
          const device = this.devices[next++] as DeviceClient;
          device.start().then(
            () => {
              if (++welcomed === total) finish();
              else launch();
            },
            () => {}, // reported through onFatal or the timeout
          );
        }
      };
      launch();
    });
  }

  private device(index: number): DeviceClient {
    const d = this.devices[index];
    if (!d) throw new RangeError(`no device with index ${index} (fleet has ${this.devices.length})`);
    return d;
  }

  goOffline(index: number): void {
    this.device(index).goOffline();
  }

  goOnline(index: number): void {
    this.device(index).goOnline();
  }

  setVpn(index: number, state: VpnState | 'auto'): void {
    this.device(index).setVpn(state);
  }

  stats(): FleetStats {
    let connected = 0;
    let pending = 0;
    for (const d of this.devices) {
      if (d.connected) connected++;
      pending += d.pending;
    }
    return { devices: this.devices.length, connected, pending, ...this.counters };
  }

  waitForAcks(timeoutMs: number): Promise<void> {
    const targets = new Map<DeviceClient, number>();
    for (const d of this.devices) if (!d.heldOffline && d.lastAckSeq < d.lastSeq) targets.set(d, d.lastSeq);
    if (targets.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        targets,
        done: () => {
          clearTimeout(timer);
          this.ackWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.ackWaiters.delete(waiter);
        const missing = [...targets].reduce((s, [d, seq]) => s + seq - d.lastAckSeq, 0);
        reject(
          new Error(
            `${missing} observations of ${targets.size} devices still unacknowledged after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.ackWaiters.add(waiter);
    });
  }

  private onAcked(device: DeviceClient): void {
    for (const w of this.ackWaiters) {
      const target = w.targets.get(device);
      if (target === undefined || device.lastAckSeq < target) continue;
      w.targets.delete(device);
      if (w.targets.size === 0) w.done();
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.devices.map((d) => d.stop()));
      this.scheduler.clear();
      this.dirty.clear();
    })();
    return this.stopping;
  }
}
