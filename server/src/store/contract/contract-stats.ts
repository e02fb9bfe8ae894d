import type { GroupKind, LatencyStats, Observation, ProbeErrorClass, ProbePhases } from '@lagebild/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StatsQuery, Store } from '../store.js';
import { deviceId, enrollDevice, type OpenStore, rollupAll, useStore } from './harness.js';
import { DAY, GW1, GW2, HOUR, identity, MIN, type ProbeName, probe, SEC, T0, vpn } from './observations.js';
import {
  checkStats,
  expectedSeries,
  FLEET_FROM,
  FLEET_TO,
  handFleet,
  type LoadedFleet,
  loadFleet,
  prng,
  type Sample,
  sampleOf,
} from './stats-fleet.js';

/** One run of a probe: answered with the given milestones, or failed with a class (null: none given). */
interface Run {
  name: ProbeName;
  ts: number;
  totalMs: number;
  phases?: Omit<ProbePhases, 'totalMs'>;
  failed?: ProbeErrorClass | null;
}

/** Enrolls a device with the given groups ('' = none) and returns its id. */
async function groupedDevice(
  store: Store,
  n: number,
  g: { gateway: string; site: string; orgUnit: string },
): Promise<string> {
  const id = await enrollDevice(store, n, `NB-${n}`, T0 - DAY);
  const setup: Observation[] = [
    identity(1, T0 - DAY, {
      hostname: `NB-${n}`,
      ...(g.site ? { site: g.site } : {}),
      ...(g.orgUnit ? { orgUnit: g.orgUnit } : {}),
    }),
  ];
  if (g.gateway) setup.push(vpn(2, T0 - DAY, 'up', { gateway: g.gateway }));
  await store.ingestBatch(id, setup, T0 - DAY);
  return id;
}

/** Ingests the runs (sequence numbers from `firstSeq`) and returns them as the test's samples. */
async function ingestRuns(
  store: Store,
  id: string,
  firstSeq: number,
  runs: Run[],
  receivedAt: number,
): Promise<Sample[]> {
  const observations = runs.map((r, i) =>
    probe(firstSeq + i, r.ts, r.name, r.totalMs, {
      ok: r.failed === undefined,
      ...(r.failed !== undefined ? { errorClass: r.failed } : {}),
      phases: { ...r.phases, totalMs: r.totalMs },
    }),
  );
  await store.ingestBatch(id, observations, receivedAt);
  return observations.map((o) => sampleOf(id, o));
}

const tenth = (v: number) => Math.round(v * 10) / 10;

/**
 * Runs of the three kinds of probe, cycling through what each can report: HTTPS with every milestone,
 * plain HTTP without TLS, a cached name without DNS, a timeout, a server error after every phase, an
 * expired certificate after DNS and connect, a failure without a class; TCP connects or is refused or
 * times out; a name resolves or does not.
 */
function mixedRuns(seed: number, from: number, to: number, stepMs: number): Run[] {
  const rand = prng(seed);
  const runs: Run[] = [];
  let k = 0;
  for (let t = from; t < to; t += stepMs, k++) {
    const ms = tenth(60 + rand() * 200);
    const dns = tenth(1 + rand() * 8);
    const connect = tenth(dns + 2 + rand() * 10);
    const tls = tenth(connect + 5 + rand() * 20);
    const ttfb = tenth(Math.min(ms, tls + 10 + rand() * 30));
    const web: Run[] = [
      {
        name: 'standesamt',
        ts: t,
        totalMs: ms,
        phases: { dnsMs: dns, connectMs: connect, tlsMs: tls, ttfbMs: ttfb },
      },
      { name: 'standesamt', ts: t, totalMs: ms, phases: { dnsMs: dns, connectMs: connect, ttfbMs: ttfb } },
      { name: 'standesamt', ts: t, totalMs: ms, phases: { connectMs: connect, tlsMs: tls, ttfbMs: ttfb } },
      {
        name: 'standesamt',
        ts: t,
        totalMs: ms,
        phases: { dnsMs: dns, connectMs: connect, tlsMs: tls, ttfbMs: ttfb },
      },
      { name: 'standesamt', ts: t, totalMs: 10_000, failed: 'timeout' },
      {
        name: 'standesamt',
        ts: t,
        totalMs: ms,
        phases: { dnsMs: dns, connectMs: connect, tlsMs: tls, ttfbMs: ttfb },
        failed: 'http-status',
      },
      {
        name: 'standesamt',
        ts: t,
        totalMs: tls,
        phases: { dnsMs: dns, connectMs: connect },
        failed: 'cert-expired',
      },
      { name: 'standesamt', ts: t, totalMs: ms, failed: null },
    ];
    const tcp: Run[] = [
      { name: 'fileserver', ts: t + SEC, totalMs: connect, phases: { connectMs: connect } },
      {
        name: 'fileserver',
        ts: t + SEC,
        totalMs: tenth(connect * 1.5),
        phases: { connectMs: tenth(connect * 1.5) },
      },
      { name: 'fileserver', ts: t + SEC, totalMs: 1.2, failed: 'refused' },
      { name: 'fileserver', ts: t + SEC, totalMs: 5000, failed: 'connect-timeout' },
    ];
    const dnsOnly: Run[] = [
      { name: 'directory', ts: t + 2 * SEC, totalMs: dns, phases: { dnsMs: dns } },
      { name: 'directory', ts: t + 2 * SEC, totalMs: tenth(dns * 2), phases: { dnsMs: tenth(dns * 2) } },
      { name: 'directory', ts: t + 2 * SEC, totalMs: 3.3, failed: 'dns' },
      { name: 'directory', ts: t + 2 * SEC, totalMs: 2000, failed: 'dns-timeout' },
      { name: 'directory', ts: t + 2 * SEC, totalMs: dns, phases: { dnsMs: dns } },
    ];
    runs.push(web[k % web.length]!, tcp[k % tcp.length]!, dnsOnly[(k * 3) % dnsOnly.length]!);
  }
  return runs;
}

const GROUPS: { gateway: string; site: string; orgUnit: string }[] = [
  { gateway: GW1, site: 'Rathaus', orgUnit: 'Bürgeramt' },
  { gateway: GW2, site: 'Rathaus', orgUnit: 'Ordnungsamt' },
  { gateway: GW1, site: 'Technisches Rathaus', orgUnit: 'Bauamt' },
  { gateway: '', site: '', orgUnit: '' },
];

/** The one point of the series of `app` in group `group`. */
function pointOf(stats: LatencyStats, app: string, group = '') {
  const series = stats.series.find((s) => s.app === app && s.group === group);
  expect(series?.points, `${app}/${group}`).toHaveLength(1);
  return series!.points[0]!;
}

/** Percentiles, counts and averages per Fachverfahren and group, answered from the rollups. */
export function statsContract(open: OpenStore): void {
  describe('latency statistics from rollups', () => {
    const ref = useStore(open, 'shared');
    let fleet: LoadedFleet;
    let folded = 0;
    beforeAll(async () => {
      fleet = await loadFleet(ref.store);
      folded = await rollupAll(ref.store);
    });

    const check = async (q: StatsQuery, resolution: 'minute' | 'hour') =>
      checkStats(await ref.store.latencyStats(q), fleet, q, resolution);

    it('folds every ingested sample once; a second run folds nothing', async () => {
      expect(fleet.samples).toHaveLength(4 * 2 * 90);
      expect(folded).toBe(fleet.samples.length);
      expect(await ref.store.rollup()).toEqual({ samples: 0, caughtUp: true });
    });

    it('totals each Fachverfahren over three hours from minute rollups (bucketSec 0)', async () => {
      const covered = await check(
        { from: FLEET_FROM, to: FLEET_TO - 1, bucketSec: 0, groupBy: 'all' },
        'minute',
      );
      expect(covered).toBe(fleet.samples.length);
    });

    it('gives hourly points per VPN gateway from hour rollups', async () => {
      const covered = await check(
        { from: FLEET_FROM, to: FLEET_TO - 1, bucketSec: 3600, groupBy: 'gateway' },
        'hour',
      );
      expect(covered).toBe(fleet.samples.length);
    });

    it('gives five-minute points per site from minute rollups', async () => {
      const covered = await check(
        { from: FLEET_FROM, to: FLEET_TO - 1, bucketSec: 300, groupBy: 'site' },
        'minute',
      );
      expect(covered).toBe(fleet.samples.length);
    });

    it('gives minute points per org unit, counting the minute that began before `from` and the one at `to`', async () => {
      const q: StatsQuery = {
        from: T0 + 30 * MIN + 30_000,
        to: T0 + 60 * MIN,
        bucketSec: 60,
        groupBy: 'orgUnit',
      };
      const covered = await check(q, 'minute');
      expect(covered).toBeGreaterThan(50);
      const starts = new Set(expectedSeries(fleet, q, 'minute').flatMap((s) => s.points.map((p) => p.t)));
      expect(starts.has(T0 + 30 * MIN) && starts.has(T0 + 60 * MIN)).toBe(true);
    });

    it('totals one Fachverfahren per device for the given devices over a day from hour rollups', async () => {
      const [a, b, c] = fleet.ids as [string, string, string];
      const q: StatsQuery = {
        from: T0 - 6 * HOUR,
        to: T0 + 18 * HOUR,
        bucketSec: 0,
        groupBy: 'device',
        groups: [a, c],
        apps: ['Standesamt'],
      };
      expect(await check(q, 'hour')).toBe(2 * 90);
      const stats = await ref.store.latencyStats(q);
      expect(stats.series.map((s) => s.group).sort()).toEqual([a, c].sort());
      // an id that is no device adds nothing
      const one: StatsQuery = { ...q, groups: [b, deviceId(0xfff)], apps: undefined };
      expect(await check(one, 'hour')).toBe(2 * 90);
    });

    it('gives hourly points per device', async () => {
      const q: StatsQuery = {
        from: FLEET_FROM,
        to: FLEET_TO - 1,
        bucketSec: 3600,
        groupBy: 'device',
        groups: fleet.ids,
      };
      expect(await check(q, 'hour')).toBe(fleet.samples.length);
    });

    it('keeps only the asked Fachverfahren and groups, devices without a gateway as ""', async () => {
      const q: StatsQuery = {
        from: FLEET_FROM,
        to: FLEET_TO - 1,
        bucketSec: 1800,
        groupBy: 'gateway',
        apps: ['Bauportal'],
        groups: [GW2, ''],
      };
      expect(await check(q, 'minute')).toBe(2 * 90);
      const stats = await ref.store.latencyStats(q);
      expect(stats.series.map((s) => [s.app, s.group])).toEqual([
        ['Bauportal', ''],
        ['Bauportal', GW2],
      ]);
      expect(stats.series.every((s) => s.points.length === 6)).toBe(true);
      const gw1 = await check({ ...q, apps: ['Standesamt', 'Bauportal'], groups: [GW1] }, 'minute');
      expect(gw1).toBe(2 * 2 * 90);
    });

    it('totals a site over a week from hour rollups', async () => {
      const q: StatsQuery = {
        from: T0 - 7 * DAY,
        to: T0 + DAY,
        bucketSec: 0,
        groupBy: 'site',
        groups: ['Rathaus'],
      };
      expect(await check(q, 'hour')).toBe(2 * 2 * 90);
    });

    it('returns no series for a range without data or an unknown Fachverfahren', async () => {
      const empty = await ref.store.latencyStats({
        from: T0 + DAY,
        to: T0 + 2 * DAY,
        bucketSec: 3600,
        groupBy: 'all',
      });
      expect(empty).toEqual({
        groupBy: 'all',
        from: T0 + DAY,
        to: T0 + 2 * DAY,
        bucketSec: 3600,
        resolution: 'hour',
        series: [],
      });
      const none = await ref.store.latencyStats({
        from: FLEET_FROM,
        to: FLEET_TO,
        bucketSec: 0,
        groupBy: 'gateway',
        apps: ['Kfz-Zulassung'],
      });
      expect(none.series).toEqual([]);
    });

    it('answers the dashboard latency chart (count, errors, average, maximum) from the same data', async () => {
      const bucketSec = 600;
      const latency = await ref.store.appLatency({ from: FLEET_FROM, to: FLEET_TO - 1, bucketSec });
      const expected = expectedSeries(
        fleet,
        { from: FLEET_FROM, to: FLEET_TO - 1, bucketSec, groupBy: 'all' },
        'minute',
      );
      expect(latency.bucketSec).toBe(bucketSec);
      expect(
        latency.apps.map((a) => ({
          app: a.app,
          points: a.points.map(({ t, count, errors, maxMs }) => ({ t, count, errors, maxMs })),
        })),
      ).toEqual(
        expected.map((s) => ({
          app: s.app,
          points: s.points.map((p) => ({
            t: p.t,
            count: p.count,
            errors: p.errors,
            maxMs: p.answered[p.answered.length - 1] ?? null,
          })),
        })),
      );
      expected.forEach((s, i) => {
        s.points.forEach((p, j) => {
          const avg = p.answered.reduce((x, y) => x + y, 0) / p.answered.length;
          expect(latency.apps[i]?.points[j]?.avgMs).toBeCloseTo(avg, 6);
        });
      });
      expect(latency.apps.flatMap((a) => a.points).reduce((n, p) => n + p.count, 0)).toBe(
        fleet.samples.length,
      );
    });
  });

  describe('failed runs per error class and mean phases per group', () => {
    const ref = useStore(open);

    /** Four devices in different groups, each running the three probes every three minutes for two hours. */
    async function loadMixed(store: Store): Promise<LoadedFleet> {
      const samples: Sample[] = [];
      const groups: Record<string, Partial<Record<GroupKind, string>>> = {};
      for (const [i, g] of GROUPS.entries()) {
        const id = await groupedDevice(store, i + 1, g);
        groups[id] = g;
        const runs = mixedRuns(40 + i, T0 + i * 7 * SEC, T0 + 2 * HOUR, 3 * MIN);
        for (let k = 0; k < runs.length; k += 25) {
          const batch = runs.slice(k, k + 25);
          samples.push(...(await ingestRuns(store, id, 3 + k, batch, T0 + 2 * HOUR)));
        }
      }
      return handFleet(samples, groups);
    }

    it('counts failed runs per error class per group, from minute and hour rollups, in buckets and totals', async () => {
      const { store } = ref;
      const fleet = await loadMixed(store);
      expect(await rollupAll(store)).toBe(fleet.samples.length);
      const range = { from: T0, to: T0 + 2 * HOUR - 1 };
      const cases: [StatsQuery, 'minute' | 'hour'][] = [
        [{ ...range, bucketSec: 0, groupBy: 'all' }, 'minute'],
        [{ ...range, bucketSec: 600, groupBy: 'site' }, 'minute'],
        [{ ...range, bucketSec: 60, groupBy: 'orgUnit', apps: ['Standesamt'] }, 'minute'],
        [{ ...range, bucketSec: 3600, groupBy: 'gateway' }, 'hour'],
        [{ from: T0 - DAY, to: T0 + DAY, bucketSec: 0, groupBy: 'gateway', groups: [GW1, ''] }, 'hour'],
        [{ from: T0 - DAY, to: T0 + DAY, bucketSec: 0, groupBy: 'orgUnit' }, 'hour'],
      ];
      for (const [q, resolution] of cases) {
        const stats = await store.latencyStats(q);
        expect(stats.resolution).toBe(resolution);
        expect(checkStats(stats, fleet, q, resolution)).toBeGreaterThan(0);
      }
      // the totals name every class that occurred, and count each failed run once
      const total = await store.latencyStats(cases[0]![0]);
      const web = pointOf(total, 'Standesamt');
      expect(Object.keys(web.errorClasses ?? {}).sort()).toEqual([
        'cert-expired',
        'http-status',
        'other',
        'timeout',
      ]);
      expect(Object.keys(pointOf(total, 'Dateiablage').errorClasses ?? {}).sort()).toEqual([
        'connect-timeout',
        'refused',
      ]);
      expect(Object.keys(pointOf(total, 'Verzeichnisdienst').errorClasses ?? {}).sort()).toEqual([
        'dns',
        'dns-timeout',
      ]);
      for (const s of total.series) {
        const p = s.points[0]!;
        expect(Object.values(p.errorClasses ?? {}).reduce((a, b) => a + b, 0)).toBe(p.errors);
      }
    });

    it('averages each phase over the answered runs that measured it, null where none did', async () => {
      const { store } = ref;
      const fleet = await loadMixed(store);
      await rollupAll(store);
      const q: StatsQuery = { from: T0, to: T0 + 2 * HOUR - 1, bucketSec: 0, groupBy: 'all' };
      const total = await store.latencyStats(q);
      checkStats(total, fleet, q, 'minute');
      const answered = (app: string) => fleet.samples.filter((s) => s.app === app && s.ok);
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      const measured = (app: string, phase: 'dnsMs' | 'connectMs' | 'tlsMs' | 'ttfbMs') =>
        answered(app).flatMap((s) => (s.phases[phase] === undefined ? [] : [s.phases[phase]]));
      // TCP: only the connection; its mean is that of the answered runs alone
      const tcp = pointOf(total, 'Dateiablage').phases;
      expect(tcp).toMatchObject({ dnsMs: null, tlsMs: null, ttfbMs: null });
      expect(tcp?.connectMs).toBeCloseTo(mean(measured('Dateiablage', 'connectMs')), 6);
      // DNS only: only the name
      const dns = pointOf(total, 'Verzeichnisdienst').phases;
      expect(dns).toMatchObject({ connectMs: null, tlsMs: null, ttfbMs: null });
      expect(dns?.dnsMs).toBeCloseTo(mean(measured('Verzeichnisdienst', 'dnsMs')), 6);
      // web: plain HTTP runs have no TLS, cached names no DNS; failed runs never count
      const web = pointOf(total, 'Standesamt').phases;
      const runs = answered('Standesamt').length;
      expect(measured('Standesamt', 'tlsMs').length).toBeLessThan(runs);
      expect(measured('Standesamt', 'dnsMs').length).toBeLessThan(runs);
      for (const phase of ['dnsMs', 'connectMs', 'tlsMs', 'ttfbMs'] as const)
        expect(web?.[phase], phase).toBeCloseTo(mean(measured('Standesamt', phase)), 6);
      // a bucket whose runs all failed has classes but no phases
      const failedOnly = await store.latencyStats({
        from: T0,
        to: T0 + 2 * HOUR - 1,
        bucketSec: 60,
        groupBy: 'site',
        apps: ['Dateiablage'],
      });
      const empty = failedOnly.series.flatMap((s) => s.points).filter((p) => p.count === p.errors);
      expect(empty.length).toBeGreaterThan(0);
      for (const p of empty)
        expect(p.phases).toEqual({ dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null });
    });

    it('merges late samples into the stored rows: classes and phase sums stay exact', async () => {
      const { store } = ref;
      const a = await groupedDevice(store, 1, GROUPS[0]!);
      const b = await groupedDevice(store, 2, GROUPS[1]!);
      const groups = { [a]: GROUPS[0]!, [b]: GROUPS[1]! };
      const at = (min: number, sec: number) => T0 + min * MIN + sec * SEC;
      const first = [
        ...(await ingestRuns(
          store,
          a,
          3,
          [
            {
              name: 'standesamt',
              ts: at(0, 5),
              totalMs: 90,
              phases: { dnsMs: 4, connectMs: 12, tlsMs: 30, ttfbMs: 70 },
            },
            { name: 'standesamt', ts: at(0, 15), totalMs: 10_000, failed: 'timeout' },
            { name: 'fileserver', ts: at(0, 20), totalMs: 3.5, phases: { connectMs: 3.5 } },
            { name: 'fileserver', ts: at(0, 25), totalMs: 1.1, failed: 'refused' },
          ],
          at(1, 0),
        )),
        ...(await ingestRuns(
          store,
          b,
          3,
          [
            {
              name: 'standesamt',
              ts: at(0, 30),
              totalMs: 110,
              phases: { dnsMs: 6, connectMs: 16, ttfbMs: 95 },
            },
            { name: 'directory', ts: at(0, 40), totalMs: 2.5, phases: { dnsMs: 2.5 } },
          ],
          at(1, 0),
        )),
      ];
      expect(await rollupAll(store)).toBe(6);
      // the same minutes and hour again, spooled: classes already stored and new ones, more phases
      const late = [
        ...(await ingestRuns(
          store,
          a,
          7,
          [
            { name: 'standesamt', ts: at(0, 45), totalMs: 10_000, failed: 'timeout' },
            {
              name: 'standesamt',
              ts: at(0, 50),
              totalMs: 130,
              phases: { dnsMs: 8, connectMs: 20, tlsMs: 44, ttfbMs: 101 },
            },
            { name: 'standesamt', ts: at(0, 55), totalMs: 40, phases: { dnsMs: 3 }, failed: 'dns' },
            { name: 'fileserver', ts: at(0, 58), totalMs: 4.5, phases: { connectMs: 4.5 } },
            { name: 'standesamt', ts: at(30, 0), totalMs: 5000, failed: 'http-status' },
          ],
          at(40, 0),
        )),
        ...(await ingestRuns(
          store,
          b,
          5,
          [
            { name: 'directory', ts: at(0, 10), totalMs: 3.1, failed: 'dns-timeout' },
            { name: 'directory', ts: at(0, 12), totalMs: 5.5, phases: { dnsMs: 5.5 } },
            {
              name: 'standesamt',
              ts: at(0, 14),
              totalMs: 98,
              phases: { dnsMs: 5, connectMs: 14, tlsMs: 33, ttfbMs: 80 },
            },
          ],
          at(40, 0),
        )),
      ];
      // in small steps: every step merges into rows the steps before it stored
      let folded = 0;
      for (;;) {
        const r = await store.rollup(2);
        folded += r.samples;
        if (r.caughtUp) break;
      }
      expect(folded).toBe(late.length);
      const fleet = handFleet([...first, ...late], groups);
      const cases: [StatsQuery, 'minute' | 'hour'][] = [
        [{ from: T0, to: T0 + HOUR - 1, bucketSec: 60, groupBy: 'all' }, 'minute'],
        [{ from: T0, to: T0 + HOUR - 1, bucketSec: 0, groupBy: 'gateway' }, 'minute'],
        [{ from: T0, to: T0 + HOUR - 1, bucketSec: 3600, groupBy: 'site' }, 'hour'],
        [{ from: T0 - DAY, to: T0 + DAY, bucketSec: 0, groupBy: 'orgUnit' }, 'hour'],
      ];
      for (const [q, resolution] of cases) {
        expect(checkStats(await store.latencyStats(q), fleet, q, resolution)).toBeGreaterThan(0);
      }
      // written out for the first minute of the whole fleet
      const minute = await store.latencyStats({ from: T0, to: T0 + MIN - 1, bucketSec: 60, groupBy: 'all' });
      const web = pointOf(minute, 'Standesamt');
      expect([web.count, web.errors, web.errorClasses]).toEqual([7, 3, { dns: 1, timeout: 2 }]);
      expect(web.phases?.dnsMs).toBeCloseTo((4 + 6 + 8 + 5) / 4, 9);
      expect(web.phases?.connectMs).toBeCloseTo((12 + 16 + 20 + 14) / 4, 9);
      expect(web.phases?.tlsMs).toBeCloseTo((30 + 44 + 33) / 3, 9);
      expect(web.phases?.ttfbMs).toBeCloseTo((70 + 95 + 101 + 80) / 4, 9);
      const tcp = pointOf(minute, 'Dateiablage');
      expect([tcp.errorClasses, tcp.phases]).toEqual([
        { refused: 1 },
        { dnsMs: null, connectMs: 4, tlsMs: null, ttfbMs: null },
      ]);
      const dns = pointOf(minute, 'Verzeichnisdienst');
      expect([dns.errorClasses, dns.phases]).toEqual([
        { 'dns-timeout': 1 },
        { dnsMs: 4, connectMs: null, tlsMs: null, ttfbMs: null },
      ]);
    });

    it('keeps neither error classes nor phases per device', async () => {
      const { store } = ref;
      const fleet = await loadMixed(store);
      await rollupAll(store);
      for (const [bucketSec, resolution] of [
        [0, 'minute'],
        [3600, 'hour'],
      ] as const) {
        const q: StatsQuery = {
          from: T0,
          to: T0 + 2 * HOUR - 1,
          bucketSec,
          groupBy: 'device',
          groups: fleet.ids,
        };
        const stats = await store.latencyStats(q);
        expect(checkStats(stats, fleet, q, resolution)).toBe(fleet.samples.length);
        for (const p of stats.series.flatMap((s) => s.points)) {
          expect(p).not.toHaveProperty('errorClasses');
          expect(p).not.toHaveProperty('phases');
        }
      }
    });
  });
}
