import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from './scheduler.js';
import { ScriptedCollector } from './scheduler.test-util.js';

const T0 = 1_700_000_000_000;

/** A random source that returns the given numbers in turn (the last repeats). */
const sequence =
  (...values: number[]) =>
  () =>
    values.length > 1 ? values.shift()! : values[0]!;

describe('scheduler jitter', () => {
  let scheduler: Scheduler | undefined;

  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(async () => {
    const stopped = scheduler?.stop();
    await vi.runAllTimersAsync();
    await stopped;
    vi.useRealTimers();
  });

  const start = (random: () => number, jitter: number, intervalMs = 60_000) => {
    scheduler = new Scheduler({ sink: () => {}, random });
    const probe = new ScriptedCollector('probe:ewo');
    scheduler.configure([{ collector: probe, intervalMs, jitter }]);
    return probe;
  };

  it('starts each run late by its own random share of the jitter window, on a grid that never drifts', async () => {
    // jitter 0.1 of 60 s: each run starts 0 to 6 s after its slot
    const probe = start(sequence(0.5, 0, 0.99, 0.25), 0.1);
    await vi.advanceTimersByTimeAsync(4 * 60_000 + 6000);
    expect(probe.runs.map((r) => r.at - T0)).toEqual([3000, 60_000, 125_940, 181_500, 241_500]);
  });

  it('spreads notebooks started at the same moment over the jitter window', async () => {
    const firstRuns: number[] = [];
    for (const r of [0, 0.2, 0.4, 0.6, 0.8]) {
      const probe = start(() => r, 0.5, 10_000);
      await vi.advanceTimersByTimeAsync(5000);
      firstRuns.push(probe.runs[0]!.at - T0 - firstRuns.length * 5000);
      await scheduler?.stop();
    }
    expect(firstRuns).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('runs exactly on the interval without jitter', async () => {
    const probe = start(() => 0.9, 0, 5000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(probe.runs.map((r) => r.at - T0)).toEqual([0, 5000, 10_000, 15_000, 20_000]);
  });

  it('runs "check now" at once, whatever the jitter, and continues the rhythm from there', async () => {
    const probe = start(() => 0.5, 0.2, 60_000);
    await vi.advanceTimersByTimeAsync(20_000);
    await scheduler?.runNow(['probe:ewo']);
    await vi.advanceTimersByTimeAsync(60_000 + 6000);
    expect(probe.runs.map((r) => ({ at: r.at - T0, force: r.force }))).toEqual([
      { at: 6000, force: false },
      { at: 20_000, force: true },
      { at: 86_000, force: false },
    ]);
  });
});
