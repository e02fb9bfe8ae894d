import { beforeAll, describe, expect, it } from 'vitest';
import type { StatsQuery } from '../store.js';
import { deviceId, type OpenStore, rollupAll, useStore } from './harness.js';
import { DAY, GW1, GW2, HOUR, MIN, T0 } from './observations.js';
import {
  checkStats,
  expectedSeries,
  FLEET_FROM,
  FLEET_TO,
  type LoadedFleet,
  loadFleet,
} from './stats-fleet.js';

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
}
