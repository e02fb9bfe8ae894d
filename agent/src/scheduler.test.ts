import type { Capability, ObservationData } from '@lagebild/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CollectOptions, Collector } from './collector.js';
import { Scheduler, type Stamped } from './scheduler.js';

/** A collector that takes `durationMs` per run and records when it ran. */
class FakeCollector implements Collector {
  runs: { at: number; force: boolean }[] = [];
  active = 0;
  maxActive = 0;
  constructor(
    readonly name: string,
    private readonly durationMs = 0,
    private readonly fail = false,
  ) {}
  async capability(): Promise<Capability> {
    return { name: this.name, available: true };
  }
  async collect(options: CollectOptions = {}): Promise<ObservationData[]> {
    this.runs.push({ at: Date.now(), force: options.force === true });
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    if (this.durationMs > 0) await new Promise((r) => setTimeout(r, this.durationMs));
    this.active--;
    if (this.fail) throw new Error(`${this.name} broke`);
    return [{ kind: 'agent', event: 'started', detail: this.name }];
  }
}

describe('scheduler', () => {
  let out: Stamped[];
  let errors: string[];
  let scheduler: Scheduler;
  const T0 = 1_700_000_000_000;

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    out = [];
    errors = [];
    scheduler = new Scheduler({ sink: (items) => out.push(...items), onError: (name) => errors.push(name) });
  });
  afterEach(async () => {
    const stopped = scheduler.stop();
    await vi.runAllTimersAsync();
    await stopped;
    vi.useRealTimers();
  });

  it('runs each collector at once and then at its own interval', async () => {
    const vpn = new FakeCollector('vpn');
    const health = new FakeCollector('health');
    scheduler.configure([
      { collector: vpn, intervalMs: 2000 },
      { collector: health, intervalMs: 60_000 },
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(vpn.runs.map((r) => r.at - T0)).toEqual(Array.from({ length: 31 }, (_, i) => i * 2000));
    expect(health.runs.map((r) => r.at - T0)).toEqual([0, 60_000]);
  });

  it('stamps observations with the time their run started', async () => {
    scheduler.configure([{ collector: new FakeCollector('probe:slow', 1500), intervalMs: 10_000 }]);
    await vi.advanceTimersByTimeAsync(1500);
    expect(out).toEqual([{ ts: T0, data: { kind: 'agent', event: 'started', detail: 'probe:slow' } }]);
  });

  it('never overlaps two runs of one collector that takes longer than its interval', async () => {
    const slow = new FakeCollector('probe:slow', 5000);
    scheduler.configure([{ collector: slow, intervalMs: 2000 }]);
    await vi.advanceTimersByTimeAsync(20_100);
    expect(slow.maxActive).toBe(1);
    // each run starts as soon as the previous one ends (fake timers add 1 ms per immediate)
    const gaps = slow.runs.slice(1).map((r, i) => r.at - slow.runs[i]!.at);
    expect(gaps).toHaveLength(4);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5000);
    expect(Math.max(...gaps)).toBeLessThan(5010);
  });

  it('applies a new configuration: adds, removes and re-times collectors', async () => {
    const vpn = new FakeCollector('vpn');
    const old = new FakeCollector('probe:old');
    scheduler.configure([
      { collector: vpn, intervalMs: 10_000 },
      { collector: old, intervalMs: 10_000 },
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    const added = new FakeCollector('probe:new');
    scheduler.configure([
      { collector: vpn, intervalMs: 2000 },
      { collector: added, intervalMs: 30_000 },
    ]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(vpn.runs.map((r) => r.at - T0)).toEqual([0, 2000, 4000, 6000]);
    expect(added.runs.map((r) => r.at - T0)).toEqual([1000]);
    expect(old.runs).toHaveLength(1);
    expect(scheduler.plan()).toEqual({ vpn: 2000, 'probe:new': 30_000 });
  });

  it('runs collectors on demand with force, waiting for a run in progress', async () => {
    const slow = new FakeCollector('probe:slow', 3000);
    scheduler.configure([{ collector: slow, intervalMs: 60_000 }]);
    await vi.advanceTimersByTimeAsync(1000);
    const result = scheduler.runNow(['probe:slow', 'unknown']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await result).toHaveLength(1);
    expect(slow.runs).toEqual([
      { at: T0, force: false },
      { at: T0 + 3000, force: true },
    ]);
    expect(slow.maxActive).toBe(1);
    expect(out).toHaveLength(2);
  });

  it('stops running after stop()', async () => {
    const vpn = new FakeCollector('vpn');
    scheduler.configure([{ collector: vpn, intervalMs: 1000 }]);
    await vi.advanceTimersByTimeAsync(0);
    const stopped = scheduler.stop();
    await vi.advanceTimersByTimeAsync(0);
    await stopped;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(vpn.runs).toHaveLength(1);
  });
});
