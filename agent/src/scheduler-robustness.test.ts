import type { AgentEventData } from '@lagebild/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_ABANDONED_RUNS, Scheduler, type Stamped } from './scheduler.js';
import { ScriptedCollector } from './scheduler.test-util.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

describe('scheduler with collectors that throw or hang', () => {
  let out: Stamped[];
  let errors: { name: string; message: string; reported: boolean }[];
  let recovered: { name: string; runs: number }[];
  let scheduler: Scheduler;

  const failures = () =>
    out
      .filter((s) => s.data.kind === 'agent' && s.data.event === 'collector-failed')
      .map((s) => ({ at: s.ts - T0, ...(s.data as AgentEventData) }));
  const delivered = (name: string) =>
    out.filter(
      (s) => s.data.kind === 'agent' && s.data.event === 'started' && s.data.detail?.startsWith(name),
    );

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    out = [];
    errors = [];
    recovered = [];
    scheduler = new Scheduler({
      sink: (items) => out.push(...items),
      onError: (name, e, reported) => errors.push({ name, message: (e as Error).message, reported }),
      onRecover: (name, runs) => recovered.push({ name, runs }),
    });
  });
  afterEach(async () => {
    const stopped = scheduler.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    await stopped;
    vi.useRealTimers();
  });

  it('reports a collector that throws as collector-failed once, and keeps running it', async () => {
    const broken = new ScriptedCollector('health', 'throw');
    scheduler.configure([{ collector: broken, intervalMs: 1000 }]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(broken.runs).toHaveLength(3);
    expect(failures()).toEqual([
      { at: 0, kind: 'agent', event: 'collector-failed', collector: 'health', detail: 'health broke' },
    ]);
    // every failure reaches onError; only the first is marked for a loud log line
    expect(errors.map((e) => e.reported)).toEqual([true, false, false]);
  });

  it('treats a collector that throws before returning a promise like one that rejects', async () => {
    const broken = new ScriptedCollector('vpn', 'throw-sync');
    const fine = new ScriptedCollector('health');
    scheduler.configure([
      { collector: broken, intervalMs: 1000 },
      { collector: fine, intervalMs: 1000 },
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(failures().map((f) => f.detail)).toEqual(['vpn broke at once']);
    expect(fine.runs).toHaveLength(2);
  });

  it('reports a collector that keeps failing at most once per 15 minutes, saying how often it failed', async () => {
    const broken = new ScriptedCollector('securityKey', 'throw');
    scheduler.configure([{ collector: broken, intervalMs: MIN }]);
    await vi.advanceTimersByTimeAsync(30 * MIN);
    expect(broken.runs).toHaveLength(31);
    expect(failures().map((f) => f.at)).toEqual([0, 15 * MIN, 30 * MIN]);
    expect(failures()[1]?.detail).toBe(
      `securityKey broke; 16 failed runs since ${new Date(T0).toISOString()}`,
    );
  });

  it('reports a new failure at once after the collector worked again', async () => {
    const flaky = new ScriptedCollector('vpn', 'throw', 'ok', 'throw');
    scheduler.configure([{ collector: flaky, intervalMs: 1000 }]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(failures().map((f) => f.at)).toEqual([0, 2000]);
    expect(recovered).toEqual([{ name: 'vpn', runs: 1 }]);
  });

  it('forces the run after a failure so a state collector reports its current state', async () => {
    const flaky = new ScriptedCollector('vpn', 'throw', 'ok', 'ok');
    scheduler.configure([{ collector: flaky, intervalMs: 1000 }]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(flaky.runs.map((r) => r.force)).toEqual([false, true, false]);
  });

  it('abandons a run that hangs at its timeout, reports it, and never delays the other collectors', async () => {
    const hung = new ScriptedCollector('health', 'hang', 'ok');
    const vpn = new ScriptedCollector('vpn');
    scheduler.configure([
      { collector: hung, intervalMs: 30_000, timeoutMs: 10_000 },
      { collector: vpn, intervalMs: 2000 },
    ]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(failures()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(failures()).toEqual([
      {
        at: 10_000,
        kind: 'agent',
        event: 'collector-failed',
        collector: 'health',
        detail: 'no result within 10000 ms; run abandoned',
      },
    ]);
    expect(vpn.runs.map((r) => r.at - T0)).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
    // the abandoned run still hangs, yet the next one starts on time and delivers
    await vi.advanceTimersByTimeAsync(20_000);
    expect(hung.runs.map((r) => r.at - T0)).toEqual([0, 30_000]);
    expect(hung.active).toBe(1);
    expect(delivered('health')).toEqual([
      { ts: T0 + 30_000, data: { kind: 'agent', event: 'started', detail: 'health run 2' } },
    ]);
  });

  it('uses the default timeout of 10 s when none is given', async () => {
    scheduler.configure([{ collector: new ScriptedCollector('identity', 'hang'), intervalMs: 600_000 }]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(failures().map((f) => f.at)).toEqual([10_000]);
  });

  it('drops the late result of a slow run that was abandoned', async () => {
    const slow = new ScriptedCollector('probe:gis', { delayMs: 8000 }, 'ok');
    scheduler.configure([{ collector: slow, intervalMs: 30_000, timeoutMs: 5000 }]);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(failures().map((f) => f.at)).toEqual([5000]);
    expect(delivered('probe:gis')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(delivered('probe:gis').map((s) => s.ts - T0)).toEqual([30_000]);
  });

  it(`starts no new run while ${MAX_ABANDONED_RUNS} abandoned runs of the collector still hang`, async () => {
    const hung = new ScriptedCollector('vpn', 'hang');
    scheduler.configure([{ collector: hung, intervalMs: 2000, timeoutMs: 1000 }]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(hung.runs).toHaveLength(MAX_ABANDONED_RUNS);
    expect(errors.at(-1)?.message).toBe(`${MAX_ABANDONED_RUNS} earlier runs still hang; no new run started`);
  });

  it('answers "check now" after at most the timeout of a hung run', async () => {
    const hung = new ScriptedCollector('vpn', 'hang', 'ok');
    scheduler.configure([{ collector: hung, intervalMs: 60_000, timeoutMs: 3000 }]);
    await vi.advanceTimersByTimeAsync(1000);
    let answer: unknown;
    void scheduler.runNow(['vpn']).then((r) => {
      answer = r;
    });
    await vi.advanceTimersByTimeAsync(2000);
    expect(answer).toEqual([{ kind: 'agent', event: 'started', detail: 'vpn run 2' }]);
    expect(hung.runs.map((r) => ({ at: r.at - T0, force: r.force }))).toEqual([
      { at: 0, force: false },
      { at: 3000, force: true },
    ]);
  });

  it('stops within the timeout even when a run hangs for good', async () => {
    scheduler.configure([{ collector: new ScriptedCollector('health', 'hang'), intervalMs: 60_000 }]);
    await vi.advanceTimersByTimeAsync(0);
    let done = false;
    void scheduler.stop().then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(done).toBe(true);
  });
});

describe('scheduler after resume', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(() => vi.useRealTimers());

  it('runs every probe and state collector at once, forced, but not identity', async () => {
    const out: Stamped[] = [];
    const scheduler = new Scheduler({ sink: (items) => out.push(...items) });
    const names = ['identity', 'vpn', 'securityKey', 'health', 'probe:ewo', 'probe:gis'];
    const collectors = names.map((n) => new ScriptedCollector(n));
    scheduler.configure(collectors.map((collector) => ({ collector, intervalMs: 60 * MIN })));
    await vi.advanceTimersByTimeAsync(MIN);
    const results = scheduler.runAfterResume();
    await vi.advanceTimersByTimeAsync(0);
    expect((await results).map((o) => (o.kind === 'agent' ? o.detail : ''))).toEqual(
      names.slice(1).map((n) => `${n} run 2`),
    );
    expect(collectors.map((c) => c.runs.length)).toEqual([1, 2, 2, 2, 2, 2]);
    expect(collectors[4]?.runs[1]).toEqual({ at: T0 + MIN, force: true });
    const stopped = scheduler.stop();
    await vi.runAllTimersAsync();
    await stopped;
  });
});
