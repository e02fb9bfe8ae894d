import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probe, vpn } from '../test-support/fixtures.js';
import { HOUR_MS } from './rollup.js';
import { RETENTION_BATCH } from './sqlite-rollup.js';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);
const DAY = 86_400_000;
/** Short periods so that every kind of data has rows on both sides of its cutoff. */
const POLICY = { rawMs: 2 * HOUR_MS, minuteMs: DAY, hourMs: 10 * DAY, eventsMs: 5 * DAY };
const ID = 'dev_1';

describe('SqliteStore retention', () => {
  let dir: string;
  let store: SqliteStore;
  let seq = 0;
  const count = (table: string) =>
    (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const rawTs = () =>
    (store.db.prepare('SELECT ts FROM probe_samples ORDER BY id').all() as { ts: number }[]).map(
      (r) => r.ts - T0,
    );
  const samplesAt = (...offsets: number[]) =>
    store.ingestBatch(
      ID,
      offsets.map((o) => probe(++seq, T0 + o)),
      T0,
    );

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-retention-'));
    store = new SqliteStore(join(dir, 'lagebild.db'));
    seq = 0;
    await store.enrollDevice({ newDeviceId: ID, hardwareId: 'hw', hostname: 'nb', tokenHash: 'x', now: T0 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes raw samples, minute and hour rollups and events past their cutoff, and keeps the rest', async () => {
    await store.ingestBatch(
      ID,
      [vpn(++seq, T0 - 20 * DAY, 'up'), vpn(++seq, T0 - HOUR_MS, 'down'), vpn(++seq, T0 - HOUR_MS + 1, 'up')],
      T0,
    );
    await samplesAt(-20 * DAY, -3 * DAY, -3 * HOUR_MS, -HOUR_MS, -1000);

    // nothing folded yet: raw samples stay whatever their age; the 20-day-old event goes
    expect(await store.applyRetention(T0, POLICY)).toEqual({ raw: 0, minute: 0, hour: 0, events: 1 });
    expect(count('probe_samples')).toBe(5);
    expect(await store.rollup()).toEqual({ samples: 5, caughtUp: true });
    // minute and hour rows per sample: one device row and four group rows ('all', gateway, site, org unit)
    expect(count('rollup_device_minute')).toBe(5);
    expect(count('rollup_group_hour')).toBe(4 * 4);

    expect(await store.applyRetention(T0, POLICY)).toEqual({
      raw: 3, // -20 d, -3 d, -3 h
      minute: 2 * 5, // -20 d and -3 d
      hour: 5, // -20 d
      events: 0,
    });
    expect(rawTs()).toEqual([-HOUR_MS, -1000]);
    expect(count('rollup_device_minute')).toBe(3);
    expect(count('rollup_device_hour')).toBe(3); // -3 d, and -3 h / -1 h / -1 s in two hours
    const events = (store.db.prepare('SELECT ts FROM events ORDER BY ts').all() as { ts: number }[]).map(
      (e) => e.ts - T0,
    );
    expect(events).toEqual([-HOUR_MS, -HOUR_MS + 1, 0]);
    // a second run finds nothing more
    expect(await store.applyRetention(T0, POLICY)).toEqual({ raw: 0, minute: 0, hour: 0, events: 0 });

    // what is left still answers statistics: the last three hours from minute rollups
    const stats = await store.latencyStats({ from: T0 - 3 * HOUR_MS, to: T0, bucketSec: 0, groupBy: 'all' });
    expect(stats.series[0]?.points[0]?.count).toBe(3);
  });

  it('keeps raw samples that are not folded yet, however old, and deletes them once folded', async () => {
    await samplesAt(-5 * HOUR_MS, -4 * HOUR_MS);
    await store.rollup();
    // spooled for days, arriving after the last fold
    await samplesAt(-3 * DAY, -3 * DAY + 1);
    expect((await store.applyRetention(T0, POLICY)).raw).toBe(2);
    expect(rawTs()).toEqual([-3 * DAY, -3 * DAY + 1]);
    await store.rollup();
    await samplesAt(-10);
    expect((await store.applyRetention(T0, POLICY)).raw).toBe(2);
    expect(rawTs()).toEqual([-10]);
  });

  it('empties the raw table and still folds the next sample: insertion ids never go back below the watermark', async () => {
    await samplesAt(-5 * HOUR_MS, -4 * HOUR_MS, -3 * HOUR_MS);
    await store.rollup();
    expect((await store.applyRetention(T0, POLICY)).raw).toBe(3);
    expect(rawTs()).toEqual([]);
    await samplesAt(-100);
    expect(await store.rollup()).toEqual({ samples: 1, caughtUp: true });
    const stats = await store.latencyStats({
      from: T0 - 6 * HOUR_MS,
      to: T0,
      bucketSec: 0,
      groupBy: 'device',
      groups: [ID],
    });
    expect(stats.series[0]?.points[0]?.count).toBe(4);
  });

  it('does not let a sample stamped far in the future hold back deletion', async () => {
    // a notebook whose clock ran a year ahead, then the real old samples
    await samplesAt(365 * DAY, -3 * DAY, -3 * DAY + 1, -10);
    await store.rollup();
    expect((await store.applyRetention(T0, POLICY)).raw).toBe(3);
    expect(rawTs()).toEqual([-10]);
  });

  it('deletes in batches until everything past the cutoff is gone', async () => {
    const n = 2 * RETENTION_BATCH + 123;
    const insert = store.db.prepare(
      "INSERT INTO events (device_id, ts, kind, from_state, to_state, detail) VALUES (?, ?, 'agent', NULL, 'online', NULL)",
    );
    store.db.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(ID, T0 - 30 * DAY + i);
    })();
    expect((await store.applyRetention(T0, POLICY)).events).toBe(n);
    expect(count('events')).toBe(1); // the enrollment at T0
  });

  it('stops between batches when the store closes, without an error', async () => {
    const insert = store.db.prepare(
      "INSERT INTO events (device_id, ts, kind, from_state, to_state, detail) VALUES (?, ?, 'agent', NULL, 'online', NULL)",
    );
    store.db.transaction(() => {
      for (let i = 0; i < 3 * RETENTION_BATCH; i++) insert.run(ID, T0 - 30 * DAY + i);
    })();
    const running = store.applyRetention(T0, POLICY);
    // the first batch runs before this; the close lands between two batches
    await new Promise((resolve) => setImmediate(resolve));
    await store.close();
    const r = await running;
    expect(r.events).toBeGreaterThan(0);
    expect(r.events).toBeLessThan(3 * RETENTION_BATCH);
  });
});
