import type { GroupKind, LatencyStats, Observation, StatsPoint } from '@lagebild/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identity, probe, vpn } from '../test-support/fixtures.js';
import { HOUR_MS, MINUTE_MS } from './rollup.js';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);
const DAY = 86_400_000;

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be reproduced. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Dev {
  id: string;
  gateway: string;
  site: string;
  orgUnit: string;
}

interface Sample {
  dev: Dev;
  app: string;
  ts: number;
  ok: boolean;
  ms: number;
}

const DEVICES: Dev[] = [
  { id: 'dev_1', gateway: 'gw-a', site: 'Rathaus', orgUnit: 'FB1' },
  { id: 'dev_2', gateway: 'gw-a', site: 'Rathaus', orgUnit: 'FB2' },
  { id: 'dev_3', gateway: 'gw-b', site: 'Bauhof', orgUnit: 'FB1' },
  { id: 'dev_4', gateway: 'gw-b', site: 'Bauhof', orgUnit: '' },
  { id: 'dev_5', gateway: '', site: 'Rathaus', orgUnit: 'FB2' },
  { id: 'dev_6', gateway: 'gw-a', site: '', orgUnit: '' },
];
const APPS = ['GIS', 'Standesamt'];

async function enroll(store: SqliteStore, d: Dev): Promise<number> {
  await store.enrollDevice({
    newDeviceId: d.id,
    hardwareId: `hw-${d.id}`,
    hostname: d.id,
    tokenHash: 'x',
    now: T0,
  });
  const obs: Observation[] = [
    identity(1, T0 - 5 * HOUR_MS, {
      hostname: d.id,
      ...(d.site ? { site: d.site } : {}),
      ...(d.orgUnit ? { orgUnit: d.orgUnit } : {}),
    }),
  ];
  if (d.gateway) obs.push(vpn(2, T0 - 5 * HOUR_MS, 'up', { gateway: d.gateway }));
  await store.ingestBatch(d.id, obs, T0);
  return obs.length;
}

/** Random samples from T0 - 3 h 43 min to T0 + 2 h (five hour boundaries), 8 % failed, latencies 3 ms … 3 s. */
function randomSamples(seed: number, perDevice: number): Sample[] {
  const r = rng(seed);
  const out: Sample[] = [];
  for (const dev of DEVICES) {
    for (let i = 0; i < perDevice; i++) {
      const ok = r() >= 0.08;
      // quarter milliseconds add up exactly in doubles: sums and averages can be compared exactly
      const ms = ok ? Math.round(Math.exp(1 + r() * 7) * 4) / 4 : 5000;
      out.push({
        dev,
        app: APPS[Math.floor(r() * APPS.length)]!,
        ts: T0 - 223 * MINUTE_MS + Math.floor(r() * 343 * MINUTE_MS),
        ok,
        ms,
      });
    }
  }
  return out;
}

async function ingest(store: SqliteStore, samples: Sample[], seqs: Map<string, number>): Promise<void> {
  const byDevice = new Map<string, Observation[]>();
  for (const s of samples) {
    const seq = (seqs.get(s.dev.id) ?? 0) + 1;
    seqs.set(s.dev.id, seq);
    const list = byDevice.get(s.dev.id) ?? [];
    list.push(
      probe(seq, s.ts, {
        app: s.app,
        probeId: s.app.toLowerCase(),
        ok: s.ok,
        errorClass: s.ok ? null : 'timeout',
        phases: { totalMs: s.ms },
      }),
    );
    byDevice.set(s.dev.id, list);
  }
  for (const [id, list] of byDevice) {
    for (let i = 0; i < list.length; i += 100) await store.ingestBatch(id, list.slice(i, i + 100), T0);
  }
}

async function rollupAll(store: SqliteStore, limit?: number): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await store.rollup(limit);
    total += r.samples;
    if (r.caughtUp) return total;
  }
}

/** Exact statistics of a set of samples; percentiles are the values of rank floor(q · (n − 1)). */
function exact(samples: Sample[]) {
  const answered = samples.filter((s) => s.ok).map((s) => s.ms);
  const sorted = [...answered].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? null;
  return {
    count: samples.length,
    errors: samples.length - answered.length,
    minMs: sorted[0] ?? null,
    maxMs: sorted[sorted.length - 1] ?? null,
    avgMs: answered.length > 0 ? answered.reduce((a, b) => a + b, 0) / answered.length : null,
    p50: rank(0.5),
    p95: rank(0.95),
    p99: rank(0.99),
  };
}

function within2pct(estimate: number | null, truth: number | null, what: string): void {
  if (truth === null) return void expect(estimate, what).toBeNull();
  expect(estimate, what).not.toBeNull();
  expect(Math.abs(estimate! - truth), `${what}: ${estimate} vs ${truth}`).toBeLessThanOrEqual(
    truth * 0.02 + 1e-9,
  );
}

function expectPoint(point: StatsPoint | undefined, samples: Sample[], what: string): void {
  const e = exact(samples);
  expect(point, what).toBeDefined();
  expect(
    {
      count: point!.count,
      errors: point!.errors,
      minMs: point!.minMs,
      maxMs: point!.maxMs,
      avgMs: point!.avgMs,
    },
    what,
  ).toEqual({ count: e.count, errors: e.errors, minMs: e.minMs, maxMs: e.maxMs, avgMs: e.avgMs });
  within2pct(point!.p50Ms, e.p50, `${what} p50`);
  within2pct(point!.p95Ms, e.p95, `${what} p95`);
  within2pct(point!.p99Ms, e.p99, `${what} p99`);
}

const groupOf = (s: Sample, kind: GroupKind): string =>
  kind === 'all' ? '' : kind === 'device' ? s.dev.id : s.dev[kind];

/**
 * Checks every series and point of `stats` against the raw samples: the same (app, group, bucket)
 * keys, exact counts, sums, minima and maxima, percentiles within 2 %.
 */
function expectMatches(stats: LatencyStats, samples: Sample[], cellMs: number, bucketSec: number): void {
  const fromT = Math.floor(stats.from / cellMs) * cellMs;
  // a rollup row counts when its cell starts within [from floored to the cell, to]
  const inRange = samples.filter((s) => {
    const cell = Math.floor(s.ts / cellMs) * cellMs;
    return cell >= fromT && cell <= stats.to;
  });
  const bucketMs = bucketSec * 1000;
  const expected = new Map<string, Sample[]>();
  for (const s of inRange) {
    const t = bucketSec > 0 ? Math.floor(s.ts / bucketMs) * bucketMs : stats.from;
    const key = `${s.app}|${groupOf(s, stats.groupBy)}|${t}`;
    expected.set(key, [...(expected.get(key) ?? []), s]);
  }
  const seen = new Set<string>();
  for (const series of stats.series) {
    for (const p of series.points) {
      const key = `${series.app}|${series.group}|${p.t}`;
      seen.add(key);
      expectPoint(p, expected.get(key) ?? [], key);
    }
  }
  expect([...seen].sort()).toEqual([...expected.keys()].sort());
}

describe('SqliteStore rollups and statistics', () => {
  let store: SqliteStore;
  let seqs: Map<string, number>;
  beforeEach(async () => {
    store = new SqliteStore(':memory:');
    seqs = new Map();
    for (const d of DEVICES) seqs.set(d.id, await enroll(store, d));
  });
  afterEach(async () => {
    await store.close();
  });

  it('folds random samples into rollups that give exact counts, sums and extremes and percentiles within 2 %', async () => {
    const samples = randomSamples(42, 700);
    // two ingests with a partial fold between and small fold steps: cells are merged into stored rows many times
    await ingest(store, samples.slice(0, 2000), seqs);
    expect(await store.rollup(1500)).toEqual({ samples: 1500, caughtUp: false });
    await ingest(store, samples.slice(2000), seqs);
    expect(await rollupAll(store, 997)).toBe(samples.length - 1500);
    expect(await store.rollup()).toEqual({ samples: 0, caughtUp: true });

    const q = { from: T0 - 4 * HOUR_MS, to: T0 + 4 * HOUR_MS };
    // whole fleet, one total per app over eight hours: hour rollups
    const total = await store.latencyStats({ ...q, bucketSec: 0, groupBy: 'all' });
    expect(total.resolution).toBe('hour');
    expect(total.bucketSec).toBe(8 * 3600);
    expect(total.series.map((s) => [s.app, s.group])).toEqual([
      ['GIS', ''],
      ['Standesamt', ''],
    ]);
    expectMatches(total, samples, HOUR_MS, 0);

    // per gateway and hour, across every hour boundary of the data
    const hourly = await store.latencyStats({ ...q, bucketSec: 3600, groupBy: 'gateway' });
    expect(hourly.resolution).toBe('hour');
    expect(new Set(hourly.series.map((s) => s.group))).toEqual(new Set(['gw-a', 'gw-b', '']));
    expectMatches(hourly, samples, HOUR_MS, 3600);

    // per site in 10-minute buckets over a range that starts inside a minute: minute rollups
    const fine = {
      from: T0 - 65 * MINUTE_MS + 30_000,
      to: T0 + 25 * MINUTE_MS,
      bucketSec: 600,
      groupBy: 'site' as const,
    };
    const tenMinutes = await store.latencyStats(fine);
    expect(tenMinutes.resolution).toBe('minute');
    expectMatches(tenMinutes, samples, MINUTE_MS, 600);

    // per org unit, only some units, totals over three hours (minute rollups)
    const units = await store.latencyStats({
      from: T0 - 2 * HOUR_MS,
      to: T0 + HOUR_MS,
      bucketSec: 0,
      groupBy: 'orgUnit',
      groups: ['FB1', ''],
    });
    expect(units.resolution).toBe('minute');
    expectMatches(
      units,
      samples.filter((s) => s.dev.orgUnit === 'FB1' || s.dev.orgUnit === ''),
      MINUTE_MS,
      0,
    );

    // two devices, one app, per hour
    const devices = await store.latencyStats({
      ...q,
      bucketSec: 7200,
      groupBy: 'device',
      apps: ['GIS'],
      groups: ['dev_3', 'dev_5', 'dev_unknown'],
    });
    expect(new Set(devices.series.map((s) => s.group))).toEqual(new Set(['dev_3', 'dev_5']));
    expectMatches(
      devices,
      samples.filter((s) => s.app === 'GIS' && (s.dev.id === 'dev_3' || s.dev.id === 'dev_5')),
      HOUR_MS,
      7200,
    );
  });

  it('builds the same rollup rows whether samples are folded at once or in many small steps', async () => {
    const samples = randomSamples(7, 150);
    await ingest(store, samples, seqs);
    await rollupAll(store, 37);
    const other = new SqliteStore(':memory:');
    try {
      const otherSeqs = new Map<string, number>();
      for (const d of DEVICES) otherSeqs.set(d.id, await enroll(other, d));
      await ingest(other, samples, otherSeqs);
      expect(await other.rollup(10_000)).toEqual({ samples: samples.length, caughtUp: true });
      for (const table of [
        'rollup_device_minute',
        'rollup_device_hour',
        'rollup_group_minute',
        'rollup_group_hour',
      ]) {
        const dump = (s: SqliteStore) => s.db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3, 4`).all();
        expect(dump(store), table).toEqual(dump(other));
      }
    } finally {
      await other.close();
    }
  });

  it('folds samples that arrive days late, after the watermark has moved on', async () => {
    const dev = DEVICES[0]!;
    const now = [{ dev, app: 'GIS', ts: T0, ok: true, ms: 100 }];
    await ingest(store, now, seqs);
    expect(await store.rollup()).toEqual({ samples: 1, caughtUp: true });
    // spooled for three days while the notebook was offline
    const late: Sample[] = [
      { dev, app: 'GIS', ts: T0 - 3 * DAY + 5 * MINUTE_MS, ok: true, ms: 40 },
      { dev, app: 'GIS', ts: T0 - 3 * DAY + 65 * MINUTE_MS, ok: false, ms: 5000 },
      { dev, app: 'GIS', ts: T0 - 3 * DAY + 66 * MINUTE_MS, ok: true, ms: 60 },
    ];
    await ingest(store, late, seqs);
    expect(await store.rollup()).toEqual({ samples: 3, caughtUp: true });
    const stats = await store.latencyStats({
      from: T0 - 3 * DAY,
      to: T0 - 2 * DAY,
      bucketSec: 3600,
      groupBy: 'gateway',
    });
    expect(stats.series).toHaveLength(1);
    expect(stats.series[0]!.group).toBe('gw-a');
    expect(stats.series[0]!.points.map((p) => [p.t, p.count, p.errors, p.avgMs])).toEqual([
      [T0 - 3 * DAY, 1, 0, 40],
      [T0 - 3 * DAY + HOUR_MS, 2, 1, 60],
    ]);
    expectMatches(stats, late, HOUR_MS, 3600);
  });

  it("counts samples under the device's gateway, site and org unit at folding time", async () => {
    const dev = DEVICES[0]!;
    const s = (ts: number, ms: number): Sample => ({ dev, app: 'GIS', ts, ok: true, ms });
    await ingest(store, [s(T0, 10)], seqs);
    await store.rollup();
    // moves to another gateway and site; a sample stored before the move is folded after it
    await ingest(store, [s(T0 + 1000, 20)], seqs);
    let seq = seqs.get(dev.id)!;
    await store.ingestBatch(
      dev.id,
      [
        vpn(++seq, T0 + 2000, 'up', { gateway: 'gw-z' }),
        identity(++seq, T0 + 2000, { hostname: dev.id, site: 'Feuerwache' }),
      ],
      T0,
    );
    seqs.set(dev.id, seq);
    await ingest(store, [s(T0 + 3000, 30)], seqs);
    await store.rollup();
    const by = async (groupBy: GroupKind) =>
      (await store.latencyStats({ from: T0, to: T0 + MINUTE_MS, bucketSec: 0, groupBy })).series.map((x) => [
        x.group,
        x.points[0]!.count,
        x.points[0]!.avgMs,
      ]);
    expect(await by('gateway')).toEqual([
      ['gw-a', 1, 10],
      ['gw-z', 2, 25],
    ]);
    expect(await by('site')).toEqual([
      ['Feuerwache', 2, 25],
      ['Rathaus', 1, 10],
    ]);
    // the identity observation without an org unit clears it
    expect(await by('orgUnit')).toEqual([
      ['', 2, 25],
      ['FB1', 1, 10],
    ]);
    expect(await by('all')).toEqual([['', 3, 20]]);
  });

  it('answers the dashboard chart from the whole-fleet rollups, per minute or per hour', async () => {
    const samples = randomSamples(3, 200);
    await ingest(store, samples, seqs);
    await rollupAll(store);
    const from = T0 - 2 * HOUR_MS;
    const to = T0 + HOUR_MS;
    for (const bucketSec of [60, 300, 3600]) {
      const latency = await store.appLatency({ from, to, bucketSec });
      const bucketMs = bucketSec * 1000;
      const cellMs = bucketSec % 3600 === 0 ? HOUR_MS : MINUTE_MS;
      const inRange = samples.filter((s) => {
        const cell = Math.floor(s.ts / cellMs) * cellMs;
        return cell >= Math.floor(from / cellMs) * cellMs && cell <= to;
      });
      expect(latency.apps.map((a) => a.app)).toEqual(APPS);
      for (const { app, points } of latency.apps) {
        const mine = inRange.filter((s) => s.app === app);
        const ts = [...new Set(mine.map((s) => Math.floor(s.ts / bucketMs) * bucketMs))].sort(
          (a, b) => a - b,
        );
        expect(points.map((p) => p.t)).toEqual(ts);
        for (const p of points) {
          const e = exact(mine.filter((s) => Math.floor(s.ts / bucketMs) * bucketMs === p.t));
          expect(p, `${app} ${bucketSec} ${p.t}`).toEqual({
            t: p.t,
            count: e.count,
            errors: e.errors,
            avgMs: e.avgMs,
            maxMs: e.maxMs,
          });
        }
      }
    }
  });

  it('returns the groups of the device and the error class of failed samples from ingest', async () => {
    const r = await store.ingestBatch(
      'dev_3',
      [
        probe(10, T0, { ok: false, errorClass: 'tls', phases: { totalMs: 30 } }),
        probe(11, T0 + 1, { phases: { totalMs: 31 } }),
      ],
      T0,
    );
    expect(r.groups).toEqual({ gateway: 'gw-b', site: 'Bauhof', orgUnit: 'FB1' });
    expect(r.samples).toEqual([
      { deviceId: 'dev_3', app: 'Standesamt', ts: T0, ok: false, totalMs: 30, errorClass: 'tls' },
      { deviceId: 'dev_3', app: 'Standesamt', ts: T0 + 1, ok: true, totalMs: 31 },
    ]);
    expect((await store.ingestBatch('dev_5', [probe(10, T0)], T0)).groups).toEqual({
      gateway: '',
      site: 'Rathaus',
      orgUnit: 'FB2',
    });
  });

  it('counts the fleet for metrics: online, VPN state per gateway, key presence', async () => {
    await store.markOnline('dev_1', { now: T0, capabilities: [], agentVersion: '0.1.0' });
    await store.ingestBatch('dev_2', [vpn(10, T0, 'down', { gateway: 'gw-a' })], T0);
    await store.ingestBatch(
      'dev_3',
      [{ seq: 10, ts: T0, kind: 'securityKey', change: true, available: true, present: false, keys: [] }],
      T0,
    );
    expect(await store.fleetMetrics()).toEqual({
      devices: 6,
      online: 1,
      vpn: [
        { gateway: '', state: 'unknown', devices: 1 },
        { gateway: 'gw-a', state: 'down', devices: 1 },
        { gateway: 'gw-a', state: 'up', devices: 2 },
        { gateway: 'gw-b', state: 'up', devices: 2 },
      ],
      securityKey: { present: 0, absent: 1, unknown: 5 },
    });
  });

  it('gives no series for a device query without devices and none for unknown apps', async () => {
    await ingest(store, randomSamples(1, 20), seqs);
    await store.rollup();
    const q = { from: T0 - 4 * HOUR_MS, to: T0 + 4 * HOUR_MS, bucketSec: 0 };
    expect((await store.latencyStats({ ...q, groupBy: 'device', groups: [] })).series).toEqual([]);
    expect((await store.latencyStats({ ...q, groupBy: 'all', apps: ['Nichts'] })).series).toEqual([]);
    expect((await store.latencyStats({ ...q, groupBy: 'gateway', groups: ['gw-x'] })).series).toEqual([]);
  });
});
