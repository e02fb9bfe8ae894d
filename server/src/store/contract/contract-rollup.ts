import type { Observation } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '../rollup.js';
import type { Store } from '../store.js';
import { enrollDevice, eventsOf, type OpenStore, rollupAll, useStore } from './harness.js';
import { agentEvent, DAY, GW1, HOUR, identity, MIN, probe, SEC, T0, vpn } from './observations.js';
import { checkStats, handFleet, type Sample, sampleOf } from './stats-fleet.js';

/** Ingests probe results of one device (Standesamt unless failed) and returns them as samples. */
async function ingestProbes(
  store: Store,
  id: string,
  firstSeq: number,
  runs: { ts: number; ms: number; ok?: boolean }[],
  receivedAt: number,
): Promise<Sample[]> {
  const observations: Observation[] = runs.map((r, i) =>
    probe(firstSeq + i, r.ts, 'standesamt', r.ms, r.ok === false ? { ok: false, errorClass: 'timeout' } : {}),
  );
  await store.ingestBatch(id, observations, receivedAt);
  return observations.map((o) => sampleOf(id, o));
}

const ZERO = { raw: 0, minute: 0, hour: 0, events: 0 };

/** The rollup job (chunks, idempotence, late samples, groups at folding time) and retention. */
export function rollupContract(open: OpenStore): void {
  describe('rollup job', () => {
    const ref = useStore(open);

    it('folds at most `limit` samples per call and says when it has caught up', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      const samples = await ingestProbes(
        store,
        id,
        1,
        Array.from({ length: 12 }, (_, i) => ({ ts: T0 + i * 20 * SEC, ms: 70 + i * 3.5 })),
        T0 + 5 * MIN,
      );
      expect(await store.rollup(5)).toEqual({ samples: 5, caughtUp: false });
      expect(await store.rollup(5)).toEqual({ samples: 5, caughtUp: false });
      expect(await store.rollup(5)).toEqual({ samples: 2, caughtUp: true });
      expect(await store.rollup(5)).toEqual({ samples: 0, caughtUp: true });
      expect(await store.rollup()).toEqual({ samples: 0, caughtUp: true });
      const q = { from: T0, to: T0 + 10 * MIN, bucketSec: 60, groupBy: 'all' as const };
      expect(checkStats(await store.latencyStats(q), handFleet(samples, { [id]: {} }), q, 'minute')).toBe(12);
    });

    it('folds samples that arrive late (spooled) into the buckets already stored', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      await store.ingestBatch(id, [identity(1, T0 - MIN, { site: 'Rathaus' }), vpn(2, T0 - MIN, 'up')], T0);
      const first = await ingestProbes(
        store,
        id,
        3,
        [
          { ts: T0 + 10 * SEC, ms: 80.5 },
          { ts: T0 + 20 * SEC, ms: 95.2 },
          { ts: T0 + 30 * SEC, ms: 120 },
        ],
        T0 + MIN,
      );
      expect(await store.rollup()).toEqual({ samples: 3, caughtUp: true });
      const late = await ingestProbes(
        store,
        id,
        6,
        [
          { ts: T0 + 40 * SEC, ms: 60.1 },
          { ts: T0 + 50 * SEC, ms: 10_000, ok: false },
          { ts: T0 - 2 * DAY + 5 * MIN, ms: 300.3 },
        ],
        T0 + 2 * MIN,
      );
      expect(await store.rollup()).toEqual({ samples: 3, caughtUp: true });
      expect(await store.rollup()).toEqual({ samples: 0, caughtUp: true });
      const fleet = handFleet([...first, ...late], { [id]: { gateway: GW1, site: 'Rathaus' } });
      const minute = { from: T0, to: T0 + MIN - 1, bucketSec: 60, groupBy: 'site' as const };
      const stats = await store.latencyStats(minute);
      expect(stats.series[0]?.points).toEqual([
        expect.objectContaining({ t: T0, count: 5, errors: 1, minMs: 60.1, maxMs: 120 }),
      ]);
      expect(checkStats(stats, fleet, minute, 'minute')).toBe(5);
      const hours = { from: T0 - 2 * DAY, to: T0 + HOUR - 1, bucketSec: 3600, groupBy: 'gateway' as const };
      expect(checkStats(await store.latencyStats(hours), fleet, hours, 'hour')).toBe(6);
      const device = {
        from: T0 - 3 * DAY,
        to: T0 + DAY,
        bucketSec: 0,
        groupBy: 'device' as const,
        groups: [id],
      };
      expect(checkStats(await store.latencyStats(device), fleet, device, 'hour')).toBe(6);
    });

    it('reports a bucket of failed runs only with counts and no times', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      await ingestProbes(
        store,
        id,
        1,
        [
          { ts: T0 + SEC, ms: 10_000, ok: false },
          { ts: T0 + 2 * SEC, ms: 10_000, ok: false },
        ],
        T0 + MIN,
      );
      await store.rollup();
      const stats = await store.latencyStats({ from: T0, to: T0 + HOUR, bucketSec: 0, groupBy: 'orgUnit' });
      expect(stats.series).toEqual([
        {
          app: 'Standesamt',
          group: '',
          points: [
            {
              t: T0,
              count: 2,
              errors: 2,
              p50Ms: null,
              p95Ms: null,
              p99Ms: null,
              avgMs: null,
              minMs: null,
              maxMs: null,
              errorClasses: { timeout: 2 },
              phases: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null },
            },
          ],
        },
      ]);
    });

    it('counts samples under the groups the device has when they are folded', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      await store.ingestBatch(id, [identity(1, T0 - MIN, { site: 'Rathaus', orgUnit: 'Bürgeramt' })], T0);
      await ingestProbes(
        store,
        id,
        2,
        [
          { ts: T0 + SEC, ms: 81 },
          { ts: T0 + 2 * SEC, ms: 82 },
        ],
        T0 + MIN,
      );
      await store.rollup();
      // the notebook moves to another office
      await store.ingestBatch(
        id,
        [identity(4, T0 + 2 * MIN, { site: 'Bürgerbüro Nord', orgUnit: 'Bürgeramt' })],
        T0 + 2 * MIN,
      );
      await ingestProbes(store, id, 5, [{ ts: T0 + 3 * MIN, ms: 99.9 }], T0 + 4 * MIN);
      await store.rollup();
      const q = { from: T0, to: T0 + 10 * MIN, bucketSec: 0, groupBy: 'site' as const };
      const stats = await store.latencyStats(q);
      expect(stats.series.map((s) => [s.group, s.points[0]?.count, s.points[0]?.maxMs])).toEqual([
        ['Bürgerbüro Nord', 1, 99.9],
        ['Rathaus', 2, 82],
      ]);
      const units = await store.latencyStats({ ...q, groupBy: 'orgUnit' });
      expect(units.series.map((s) => [s.group, s.points[0]?.count])).toEqual([['Bürgeramt', 3]]);
    });
  });

  describe('retention', () => {
    const ref = useStore(open);

    it('deletes each kind of data past its retention, raw samples only once they are folded', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1, 'NB-RATHAUS-0001', T0 - 600 * DAY);
      await store.ingestBatch(
        id,
        [
          agentEvent(1, T0 - 500 * DAY, 'started'),
          vpn(2, T0 - 95 * DAY, 'up'),
          vpn(3, T0 - 2 * HOUR, 'degraded'),
        ],
        T0 - 2 * HOUR,
      );
      const runs = [
        // older than the hour rollups' 400 days: 1 minute, 1 hour (5 rows each: device + 4 group kinds)
        { ts: T0 - 500 * DAY, ms: 90 },
        { ts: T0 - 500 * DAY + 10 * SEC, ms: 91 },
        // older than the minute rollups' 14 days: 2 minutes (10 rows), 1 hour (kept)
        { ts: T0 - 20 * DAY, ms: 92 },
        { ts: T0 - 20 * DAY + 10 * SEC, ms: 93 },
        { ts: T0 - 20 * DAY + MIN, ms: 94 },
        // older than the raw samples' 48 hours
        { ts: T0 - 3 * DAY, ms: 95 },
        // recent
        { ts: T0 - HOUR, ms: 96 },
        { ts: T0 - HOUR + MIN, ms: 97 },
      ];
      const samples = await ingestProbes(store, id, 4, runs, T0 - HOUR + MIN);

      // nothing folded yet: old raw samples stay; events go by their own clock
      expect(await store.applyRetention(T0, DEFAULT_RETENTION)).toEqual({ ...ZERO, events: 3 });
      expect((await store.deviceDetail(id, 10))?.events).toEqual([
        { ts: T0 - 2 * HOUR, kind: 'vpn', from: 'up', to: 'degraded', detail: `WireGuard @ ${GW1}` },
      ]);
      expect(await store.rollup()).toEqual({ samples: 8, caughtUp: true });
      expect(await store.applyRetention(T0, DEFAULT_RETENTION)).toEqual({
        raw: 6,
        minute: 15,
        hour: 5,
        events: 0,
      });
      expect(await store.applyRetention(T0, DEFAULT_RETENTION)).toEqual(ZERO);

      const fleet = handFleet(samples.slice(2), { [id]: { gateway: GW1 } });
      const hours = { from: T0 - 600 * DAY, to: T0, bucketSec: 0, groupBy: 'all' as const };
      expect(checkStats(await store.latencyStats(hours), fleet, hours, 'hour')).toBe(6);
      const minutes = { from: T0 - 21 * DAY, to: T0, bucketSec: 60, groupBy: 'gateway' as const };
      expect(
        checkStats(
          await store.latencyStats(minutes),
          handFleet(samples.slice(5), { [id]: { gateway: GW1 } }),
          minutes,
          'minute',
        ),
      ).toBe(3);
      // the raw samples left are the recent ones: the newest probe result is still shown
      expect((await store.deviceDetail(id, 10))?.probes.map((p) => [p.probeId, p.ts])).toEqual([
        ['standesamt', T0 - HOUR + MIN],
      ]);
    });

    it('deletes old raw samples when no newer ones exist, but only those already folded', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1, 'NB-RATHAUS-0001', T0 - 4 * DAY);
      await ingestProbes(
        store,
        id,
        1,
        [
          { ts: T0 - 3 * DAY, ms: 80 },
          { ts: T0 - 3 * DAY + MIN, ms: 81 },
          { ts: T0 - 3 * DAY + 2 * MIN, ms: 82 },
        ],
        T0 - 3 * DAY + 3 * MIN,
      );
      expect(await store.rollup(2)).toEqual({ samples: 2, caughtUp: false });
      expect(await store.applyRetention(T0, DEFAULT_RETENTION)).toEqual({ ...ZERO, raw: 2 });
      expect((await store.deviceDetail(id, 10))?.probes.map((p) => p.ts)).toEqual([T0 - 3 * DAY + 2 * MIN]);
      expect(await store.rollup()).toEqual({ samples: 1, caughtUp: true });
      expect(await store.applyRetention(T0, DEFAULT_RETENTION)).toEqual({ ...ZERO, raw: 1 });
      // the newest result lives in the device row, not in the raw samples
      expect((await store.deviceDetail(id, 10))?.probes.map((p) => p.ts)).toEqual([T0 - 3 * DAY + 2 * MIN]);
      // the rollups keep what the raw samples said
      const stats = await store.latencyStats({ from: T0 - 4 * DAY, to: T0, bucketSec: 0, groupBy: 'all' });
      expect(stats.series[0]?.points[0]).toMatchObject({ count: 3, minMs: 80, maxMs: 82 });
    });

    it('shows the newest result of each probe after all raw samples are deleted', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1, 'NB-RATHAUS-0001', T0 - 5 * DAY);
      // the notebook reported four days ago and has been away since
      const away = T0 - 4 * DAY;
      await store.ingestBatch(
        id,
        [
          probe(1, away, 'standesamt', 84.2),
          probe(2, away + MIN, 'bauportal', 10_000, { ok: false, errorClass: 'timeout' }),
          probe(3, away + 2 * MIN, 'fileserver', 4.2),
          probe(4, away + 3 * MIN, 'standesamt', 5000, { ok: false, errorClass: 'http-status', status: 503 }),
        ],
        away + 4 * MIN,
      );
      const before = (await store.deviceDetail(id, 10))?.probes;
      expect(before?.map((p) => [p.probeId, p.ts, p.ok, p.status])).toEqual([
        ['bauportal', away + MIN, false, null],
        ['fileserver', away + 2 * MIN, true, null],
        ['standesamt', away + 3 * MIN, false, 503],
      ]);
      expect(await rollupAll(store)).toBe(4);
      expect(await store.applyRetention(T0, DEFAULT_RETENTION)).toEqual({ ...ZERO, raw: 4 });
      expect(await store.applyRetention(T0, DEFAULT_RETENTION)).toEqual(ZERO);
      // every raw sample is gone; the detail still shows each probe's newest result, field for field
      expect((await store.deviceDetail(id, 10))?.probes).toEqual(before);
    });

    it('keeps the newest probe result when a late sample or a resent batch arrives after it', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1, 'NB-RATHAUS-0001', T0 - 5 * DAY);
      const away = T0 - 4 * DAY;
      const first = [
        probe(1, away, 'standesamt', 84.2),
        probe(2, away + MIN, 'bauportal', 10_000, { ok: false, errorClass: 'timeout' }),
      ];
      await store.ingestBatch(id, first, away + 2 * MIN);
      await store.ingestBatch(
        id,
        [
          // spooled while offline: measured before the Standesamt result already stored
          probe(3, away - HOUR, 'standesamt', 61.5),
          // measured at the same time as the stored Bauportal result, but sent after it
          probe(4, away + MIN, 'bauportal', 120.4),
        ],
        away + 3 * MIN,
      );
      // the first batch again (its ack was lost): already stored, it changes nothing
      expect(await store.ingestBatch(id, first, away + 4 * MIN)).toMatchObject({ ackSeq: 4, stored: 0 });
      expect(await rollupAll(store)).toBe(4);
      expect(await store.applyRetention(T0, DEFAULT_RETENTION)).toEqual({ ...ZERO, raw: 4 });
      const probes = (await store.deviceDetail(id, 10))?.probes;
      expect(probes?.map((p) => [p.probeId, p.ts, p.ok, p.phases.totalMs])).toEqual([
        ['bauportal', away + MIN, true, 120.4],
        ['standesamt', away, true, 84.2],
      ]);
    });

    it('applies the periods it is given', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1, 'NB-RATHAUS-0001', T0 - 4 * HOUR);
      await store.ingestBatch(id, [vpn(1, T0 - 10 * MIN, 'up')], T0 - 10 * MIN);
      await ingestProbes(
        store,
        id,
        2,
        [
          { ts: T0 - 3 * HOUR, ms: 85 },
          { ts: T0 - 30 * MIN, ms: 86 },
        ],
        T0 - 5 * MIN,
      );
      await store.rollup();
      const policy = { rawMs: HOUR, minuteMs: 2 * HOUR, hourMs: DAY, eventsMs: 30 * MIN };
      expect(await store.applyRetention(T0, policy)).toEqual({ raw: 1, minute: 5, hour: 0, events: 1 });
      expect((await eventsOf(store, id)).map((e) => e.to)).toEqual(['up']);
      const minutes = await store.latencyStats({
        from: T0 - 4 * HOUR,
        to: T0,
        bucketSec: 60,
        groupBy: 'all',
      });
      expect(minutes.series[0]?.points.map((p) => p.t)).toEqual([T0 - 30 * MIN]);
      const hours = await store.latencyStats({
        from: T0 - 4 * HOUR,
        to: T0,
        bucketSec: 3600,
        groupBy: 'all',
      });
      expect(hours.series[0]?.points.map((p) => [p.t, p.count])).toEqual([
        [T0 - 3 * HOUR, 1],
        [T0 - HOUR, 1],
      ]);
    });
  });
}
