import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { resolveOptions } from '../options.js';
import { DEFAULT_RETENTION, HOUR_MS } from '../store/rollup.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { RetentionPolicy } from '../store/store.js';
import { fakeClock, probe } from '../test-support/fixtures.js';

const DAY = 86_400_000;
const ID = 'dev_1';

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A real SQLite store that records when the jobs call it (and can be made slow or failing). */
class WatchedStore extends SqliteStore {
  rollupCalls = 0;
  retentionCalls: { now: number; policy: RetentionPolicy }[] = [];
  inFlight = 0;
  afterClose = 0;
  delayMs = 0;
  failNext = 0;
  foldStep: number | undefined;
  private closed = false;

  override async rollup(limit?: number) {
    if (this.closed) this.afterClose++;
    this.rollupCalls++;
    this.inFlight++;
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.failNext > 0) {
        this.failNext--;
        throw new Error('disk on fire');
      }
      return await super.rollup(this.foldStep ?? limit);
    } finally {
      this.inFlight--;
    }
  }

  override async applyRetention(now: number, policy: RetentionPolicy) {
    if (this.closed) this.afterClose++;
    this.retentionCalls.push({ now, policy });
    return super.applyRetention(now, policy);
  }

  override async close() {
    this.closed = true;
    await super.close();
  }
}

function logLines() {
  const lines: { level: number; msg: string; job?: string; deleted?: unknown }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: { level: 'debug', stream } };
}

describe('maintenance jobs', () => {
  const clock = fakeClock();
  const T0 = clock.now();
  let app: FastifyInstance | undefined;
  let store: WatchedStore;

  async function start(options: Parameters<typeof buildApp>[0]) {
    store = new WatchedStore(':memory:');
    await store.enrollDevice({ newDeviceId: ID, hardwareId: 'hw', hostname: 'nb', tokenHash: 'x', now: T0 });
    app = await buildApp({ dashboardDir: false, now: clock.now, store, ...options });
    return app;
  }
  const folded = () =>
    (store.db.prepare("SELECT value FROM job_state WHERE name = 'samples_folded'").get() as { value: number })
      .value;
  const rawCount = () =>
    (store.db.prepare('SELECT count(*) AS n FROM probe_samples').get() as { n: number }).n;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('folds new samples on its timer and deletes expired data with the configured retention', async () => {
    const { lines, logger } = logLines();
    await start({ rollupIntervalMs: 20, retentionIntervalMs: 50, retention: { rawMs: HOUR_MS }, logger });
    await store.ingestBatch(ID, [probe(1, T0 - 3 * HOUR_MS), probe(2, T0 - 2 * HOUR_MS), probe(3, T0)], T0);
    await waitFor('the rollup job', () => folded() === 3);
    const stats = await app!.store.latencyStats({
      from: T0 - 4 * HOUR_MS,
      to: T0,
      bucketSec: 0,
      groupBy: 'all',
    });
    expect(stats.series[0]?.points[0]?.count).toBe(3);
    // the two samples older than an hour go once folded; the newest one stays
    await waitFor('the retention job', () => rawCount() === 1);
    expect(store.retentionCalls[0]).toEqual({ now: T0, policy: { ...DEFAULT_RETENTION, rawMs: HOUR_MS } });
    await waitFor('the retention log line', () =>
      lines.some((l) => l.job === 'retention' && l.level === 30 && /2 expired rows deleted/.test(l.msg)),
    );
    expect(lines.find((l) => l.job === 'rollup' && l.msg === 'samples folded')).toMatchObject({ level: 20 });
  });

  it('runs again at once while the rollup job has not caught up', async () => {
    // a regular run only every minute: the backlog is folded right after the first one anyway
    await start({ rollupIntervalMs: 60_000, retentionIntervalMs: 0 });
    store.foldStep = 10;
    const batch = Array.from({ length: 35 }, (_, i) => probe(i + 1, T0 + i));
    await store.ingestBatch(ID, batch, T0);
    await waitFor('the backlog to be folded', () => folded() === 35);
    expect(store.rollupCalls).toBe(4);
    expect(store.retentionCalls).toEqual([]);
  });

  it('never overlaps runs and waits for the running one when the app closes', async () => {
    const { lines, logger } = logLines();
    await start({ rollupIntervalMs: 5, retentionIntervalMs: 0, logger });
    store.delayMs = 80;
    let maxInFlight = 0;
    const watch = setInterval(() => {
      maxInFlight = Math.max(maxInFlight, store.inFlight);
    }, 2);
    try {
      await waitFor('a slow run to be in flight', () => store.rollupCalls >= 3 && store.inFlight === 1);
      await app!.close();
      app = undefined;
      expect(store.inFlight).toBe(0);
      const calls = store.rollupCalls;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(store.rollupCalls).toBe(calls);
      expect(store.afterClose).toBe(0);
      expect(maxInFlight).toBe(1);
      // the store closes only after the job stopped: the last run did not hit a closed database
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      clearInterval(watch);
    }
  });

  it('logs a failed run as an error and keeps running', async () => {
    const { lines, logger } = logLines();
    await start({ rollupIntervalMs: 10, retentionIntervalMs: 0, logger });
    store.failNext = 1;
    await store.ingestBatch(ID, [probe(1, T0)], T0);
    await waitFor('the run after the failure', () => folded() === 1);
    const failure = lines.find((l) => l.msg === 'maintenance job failed');
    expect(failure).toMatchObject({ level: 50, job: 'rollup', err: { message: 'disk on fire' } });
  });

  it('runs no job with intervals of 0', async () => {
    await start({ rollupIntervalMs: 0, retentionIntervalMs: 0 });
    await store.ingestBatch(ID, [probe(1, T0)], T0);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(store.rollupCalls).toBe(0);
    expect(folded()).toBe(0);
  });

  it('refuses intervals below 0 and retention periods under an hour', () => {
    expect(resolveOptions({}).retention).toEqual(DEFAULT_RETENTION);
    expect(resolveOptions({}).rollupIntervalMs).toBe(5000);
    expect(resolveOptions({}).retentionIntervalMs).toBe(600_000);
    expect(resolveOptions({ retention: { eventsMs: 30 * DAY } }).retention).toEqual({
      ...DEFAULT_RETENTION,
      eventsMs: 30 * DAY,
    });
    expect(() => resolveOptions({ rollupIntervalMs: -1 })).toThrow(/rollupIntervalMs/);
    expect(() => resolveOptions({ retentionIntervalMs: Number.NaN })).toThrow(/retentionIntervalMs/);
    expect(() => resolveOptions({ retention: { rawMs: HOUR_MS - 1 } })).toThrow(
      /retention.rawMs must be at least one hour/,
    );
    expect(() => resolveOptions({ retention: { hourMs: Number.POSITIVE_INFINITY } })).toThrow(
      /retention.hourMs/,
    );
  });
});
