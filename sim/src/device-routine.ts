import type { CheckName, ConfigFrame, ObservationData, ProbeConfig, VpnState } from '@lagebild/shared';
import type { DeviceBehaviour } from './behaviour.js';
import { DEFAULT_INTERVALS } from './defaults.js';
import type { Rng } from './prng.js';
import type { Scheduler, Task } from './scheduler.js';

/** Settings shared by every device's routine. */
export interface RoutineOptions {
  speed: number;
  /** probes used until (or unless) the server pushes a config */
  defaultProbes: readonly ProbeConfig[];
  /** how long to wait for the server's config before probing with the defaults */
  configGraceMs: number;
}

// at very high speeds intervals would collapse to nothing; keep them sane
const MIN_PERIOD_MS = 20;

/**
 * What a notebook's agent does on its own: collect on intervals, report changes at once, probe the
 * configured Fachverfahren. All timers live in the fleet's one scheduler; first runs are spread over
 * one period so a thousand devices do not measure in the same millisecond.
 */
export class DeviceRoutine {
  private started = false;
  private config: ConfigFrame | null = null;
  private heartbeatSec = 60;
  private intervalTasks: Task[] = [];
  private probeTasks: Task[] = [];

  constructor(
    private readonly behaviour: DeviceBehaviour,
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly options: RoutineOptions,
    private readonly record: (data: ObservationData, ts: number) => void,
  ) {}

  get configVersion(): number | undefined {
    return this.config?.version;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Reports identity and current state, then starts the periodic collection. */
  start(heartbeatSec: number): void {
    if (this.started) {
      this.setHeartbeat(heartbeatSec);
      return;
    }
    this.started = true;
    this.heartbeatSec = heartbeatSec;
    const now = Date.now();
    const b = this.behaviour;
    this.record(b.identity(), now);
    this.record(b.vpnReport(now, true), now);
    this.record(b.keyReport(true), now);
    this.record(b.health(now), now);
    this.scheduleIntervals();
    if (this.config) this.scheduleProbes();
    else this.probeTasks = [this.scheduler.at(this.options.configGraceMs, () => this.scheduleProbes())];
  }

  setHeartbeat(sec: number): void {
    if (sec === this.heartbeatSec) return;
    this.heartbeatSec = sec;
    if (this.started) this.scheduleIntervals();
  }

  /** Adopts a pushed config; an unchanged version (resent on reconnect) changes nothing. */
  applyConfig(frame: ConfigFrame): void {
    if (this.config && this.config.version === frame.version) return;
    this.config = frame;
    if (!this.started) return;
    this.scheduleIntervals();
    this.scheduleProbes();
  }

  /** Forces the tunnel state (or 'auto' to release it) and reports the change at once. */
  setVpn(state: VpnState | 'auto'): void {
    const now = Date.now();
    const change = this.behaviour.setVpn(state, now);
    if (change && this.started) this.record(change, now);
  }

  /** Fresh results for a "check now" style command; not spooled. */
  results(check: CheckName): ObservationData[] {
    const now = Date.now();
    const b = this.behaviour;
    const probes = () => this.probes().map((p) => b.probe(p, now));
    switch (check) {
      case 'vpn':
        return [b.vpnReport(now, false)];
      case 'securityKey':
        return [b.keyReport(false)];
      case 'health':
        return [b.health(now)];
      case 'probes':
        return probes();
      default:
        return [b.vpnReport(now, false), b.keyReport(false), b.health(now), ...probes()];
    }
  }

  stop(): void {
    for (const t of this.intervalTasks) t.cancel();
    for (const t of this.probeTasks) t.cancel();
    this.intervalTasks = [];
    this.probeTasks = [];
  }

  /** The pushed probes; a server with none configured yet (config version 0) gets the defaults. */
  private probes(): readonly ProbeConfig[] {
    return this.config?.probes.length ? this.config.probes : this.options.defaultProbes;
  }

  private periodMs(sec: number): number {
    return Math.max(MIN_PERIOD_MS, (sec * 1000) / this.options.speed);
  }

  private every(sec: number, fn: (now: number) => void): Task {
    const period = this.periodMs(sec);
    return this.scheduler.every(period, () => fn(Date.now()), this.rng.next() * period);
  }

  private scheduleIntervals(): void {
    for (const t of this.intervalTasks) t.cancel();
    const b = this.behaviour;
    const iv = this.config?.intervals ?? DEFAULT_INTERVALS;
    const heartbeatMs = this.heartbeatSec * 1000;
    const changed = (data: ObservationData | null, now: number) => data && this.record(data, now);
    this.intervalTasks = [
      this.every(iv.vpnSec, (now) => changed(b.advanceVpn(now), now)),
      this.every(iv.securityKeySec, (now) => changed(b.advanceKey(now), now)),
      this.every(iv.healthSec, (now) => this.record(b.health(now), now)),
      // state heartbeat at the server's period in real time: it is liveness, not a measurement to compress
      this.scheduler.every(
        heartbeatMs,
        () => {
          const now = Date.now();
          this.record(b.vpnReport(now, false), now);
          this.record(b.keyReport(false), now);
        },
        this.rng.next() * heartbeatMs,
      ),
    ];
  }

  private scheduleProbes(): void {
    for (const t of this.probeTasks) t.cancel();
    this.probeTasks = this.probes().map((p) =>
      this.every(p.intervalSec, (now) => this.record(this.behaviour.probe(p, now), now)),
    );
  }
}
