import type { LatencyStats } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { type Session, signIn } from '../test-support/auth.js';
import { fakeClock, identity, probe, vpn } from '../test-support/fixtures.js';

const MIN = 60_000;

describe('GET /api/v1/apps/stats', () => {
  const clock = fakeClock();
  const T0 = clock.now();
  let app: FastifyInstance;
  let admin: Session;

  beforeAll(async () => {
    app = await buildApp({
      dashboardDir: false,
      now: clock.now,
      rollupIntervalMs: 0,
      retentionIntervalMs: 0,
    });
    admin = await signIn(app);
    const devices = [
      { id: 'dev_a', gateway: 'gw-1', site: 'Rathaus', orgUnit: 'FB1' },
      { id: 'dev_b', gateway: 'gw-2', site: 'Bauhof', orgUnit: 'FB2' },
      { id: 'dev_c', gateway: undefined, site: 'Rathaus', orgUnit: undefined },
    ];
    for (const d of devices) {
      await app.store.enrollDevice({
        newDeviceId: d.id,
        hardwareId: d.id,
        hostname: d.id,
        tokenHash: 'x',
        now: T0,
      });
      const obs = [identity(1, T0 - 2 * 3_600_000, { hostname: d.id, site: d.site, orgUnit: d.orgUnit })];
      if (d.gateway) obs.push(vpn(2, T0 - 2 * 3_600_000, 'up', { gateway: d.gateway }));
      await app.store.ingestBatch(d.id, obs, T0);
    }
    const ms = (totalMs: number) => ({ phases: { totalMs } });
    await app.store.ingestBatch(
      'dev_a',
      [
        probe(10, T0 - 30 * MIN, {
          phases: { dnsMs: 4, connectMs: 12, tlsMs: 30, ttfbMs: 80, totalMs: 100 },
        }),
        // plain HTTP: no TLS phase
        probe(11, T0 - 20 * MIN, { phases: { dnsMs: 6, connectMs: 16, ttfbMs: 150, totalMs: 200 } }),
        probe(12, T0 - 10 * MIN, { ok: false, errorClass: 'timeout', ...ms(5000) }),
        probe(13, T0 - 90 * MIN, ms(999)),
      ],
      T0,
    );
    await app.store.ingestBatch(
      'dev_b',
      [
        probe(10, T0 - 30 * MIN, { phases: { connectMs: 20, totalMs: 400 } }),
        probe(11, T0 - 5 * MIN, ms(300)),
        probe(12, T0 - 4 * MIN, { ok: false, errorClass: 'http-status', status: 503, ...ms(40) }),
        probe(13, T0 - 3 * MIN, { ok: false, errorClass: 'timeout', ...ms(5000) }),
      ],
      T0,
    );
    await app.store.ingestBatch(
      'dev_c',
      [probe(10, T0 - 15 * MIN, { app: 'GIS', probeId: 'gis', ...ms(50) })],
      T0,
    );
    await app.store.rollup();
  });
  afterAll(async () => {
    await app.close();
  });

  const get = async (query: string) => {
    const res = await admin.inject({ method: 'GET', url: `/api/v1/apps/stats${query}` });
    return { status: res.statusCode, body: res.json() };
  };
  const ok = async (query: string) => {
    const { status, body } = await get(query);
    expect(status, JSON.stringify(body)).toBe(200);
    return body as LatencyStats;
  };
  /** count, errors, avg, min, max, and p50 rounded to a 2 % grid: exact values for small test data. */
  const brief = (s: LatencyStats) =>
    s.series.map((x) => ({
      app: x.app,
      group: x.group,
      points: x.points.map((p) => [p.t, p.count, p.errors, p.avgMs, p.minMs, p.maxMs]),
    }));

  it('gives fleet totals per Fachverfahren over the last hour by default', async () => {
    const s = await ok('');
    expect(s).toMatchObject({
      groupBy: 'all',
      from: T0 - 60 * MIN,
      to: T0,
      bucketSec: 3600,
      resolution: 'minute',
    });
    expect(brief(s)).toEqual([
      { app: 'GIS', group: '', points: [[T0 - 60 * MIN, 1, 0, 50, 50, 50]] },
      { app: 'Standesamt', group: '', points: [[T0 - 60 * MIN, 7, 3, 250, 100, 400]] },
    ]);
    const p = s.series[1]!.points[0]!;
    // sorted answered times 100, 200, 300, 400: p50 is the second, p95 and p99 the fourth (within 2 %)
    expect(Math.abs(p.p50Ms! - 200)).toBeLessThanOrEqual(4);
    expect(Math.abs(p.p95Ms! - 300)).toBeLessThanOrEqual(6);
    expect(Math.abs(p.p99Ms! - 300)).toBeLessThanOrEqual(6);
  });

  it('groups by gateway, filters applications and includes devices without a gateway under ""', async () => {
    expect(brief(await ok('?groupBy=gateway&app=Standesamt'))).toEqual([
      { app: 'Standesamt', group: 'gw-1', points: [[T0 - 60 * MIN, 3, 1, 150, 100, 200]] },
      { app: 'Standesamt', group: 'gw-2', points: [[T0 - 60 * MIN, 4, 2, 350, 300, 400]] },
    ]);
    expect((await ok('?app=')).series).toHaveLength(2);
    expect(
      brief(await ok('?groupBy=gateway&app=GIS&app=Standesamt&group=,gw-2')).map((x) => [x.app, x.group]),
    ).toEqual([
      ['GIS', ''],
      ['Standesamt', 'gw-2'],
    ]);
  });

  it('buckets per device over an explicit range', async () => {
    const from = T0 - 40 * MIN;
    const s = await ok(`?groupBy=device&group=dev_a,dev_b&from=${from}&to=${T0}&bucketSec=1200`);
    expect(s).toMatchObject({ groupBy: 'device', from, to: T0, bucketSec: 1200, resolution: 'minute' });
    const bucket = (t: number) => Math.floor(t / (20 * MIN)) * 20 * MIN;
    expect(brief(s)).toEqual([
      {
        app: 'Standesamt',
        group: 'dev_a',
        points: [
          [bucket(T0 - 30 * MIN), 1, 0, 100, 100, 100],
          [bucket(T0 - 20 * MIN), 2, 1, 200, 200, 200],
        ],
      },
      {
        app: 'Standesamt',
        group: 'dev_b',
        points: [
          [bucket(T0 - 30 * MIN), 1, 0, 400, 400, 400],
          [bucket(T0 - 5 * MIN), 3, 2, 300, 300, 300],
        ],
      },
    ]);
  });

  it('answers whole-hour buckets from the hour rollups', async () => {
    const s = await ok('?minutes=180&bucketSec=3600&groupBy=site&group=Rathaus');
    expect(s.resolution).toBe('hour');
    expect(brief(s)).toEqual([
      { app: 'GIS', group: 'Rathaus', points: [[T0 - 60 * MIN, 1, 0, 50, 50, 50]] },
      {
        app: 'Standesamt',
        group: 'Rathaus',
        points: [
          [T0 - 120 * MIN, 1, 0, 999, 999, 999],
          [T0 - 60 * MIN, 3, 1, 150, 100, 200],
        ],
      },
    ]);
  });

  it('serialises failed runs per error class and mean phases of group points, not of device points', async () => {
    const res = await admin.inject({
      method: 'GET',
      url: '/api/v1/apps/stats?groupBy=gateway&app=Standesamt',
    });
    expect(res.statusCode).toBe(200);
    // straight from the serialised answer: the response schema must not drop the optional fields
    const raw = JSON.parse(res.body) as LatencyStats;
    expect(raw.series.map((x) => [x.group, x.points[0]?.errorClasses, x.points[0]?.phases])).toEqual([
      [
        'gw-1',
        { timeout: 1 },
        // answered runs only; TLS from the one HTTPS run
        { dnsMs: 5, connectMs: 14, tlsMs: 30, ttfbMs: 115 },
      ],
      ['gw-2', { 'http-status': 1, timeout: 1 }, { dnsMs: null, connectMs: 20, tlsMs: null, ttfbMs: null }],
    ]);
    expect(res.body).toContain('"errorClasses":{"timeout":1}');
    expect(res.body).toContain('"phases":{"dnsMs":null,"connectMs":20,"tlsMs":null,"ttfbMs":null}');
    // a group whose runs all answered: no classes, an empty object
    const gis = await ok('?groupBy=site&app=GIS');
    expect(gis.series[0]?.points[0]).toMatchObject({ count: 1, errorClasses: {} });
    const devices = await admin.inject({
      method: 'GET',
      url: '/api/v1/apps/stats?groupBy=device&group=dev_a,dev_b',
    });
    expect(devices.statusCode).toBe(200);
    expect(devices.body).not.toContain('errorClasses');
    expect(devices.body).not.toContain('phases');
  });

  it('refuses contradictory or oversized queries with LB_ERR_REQUEST_INVALID', async () => {
    const cases: [string, RegExp][] = [
      ['?minutes=10&from=1&to=2', /either minutes or from and to/],
      [`?from=${T0}`, /from and to must be given together/],
      [`?from=${T0}&to=${T0}`, /to must be after from/],
      [`?from=0&to=${401 * 86_400_000}`, /must not exceed 400 days/],
      ['?bucketSec=30', /multiple of 60/],
      ['?minutes=43200&bucketSec=60', /more than 10080 buckets/],
      ['?groupBy=device', /needs the device ids/],
      ['?groupBy=device&group=', /needs the device ids/],
      ['?group=gw-1', /group needs groupBy/],
      [
        `?groupBy=device&group=${Array.from({ length: 1001 }, (_, i) => `d${i}`).join(',')}`,
        /at most 1000 devices/,
      ],
      [
        `?groupBy=device&minutes=10000&bucketSec=60&group=${Array.from({ length: 20 }, (_, i) => `d${i}`).join(',')}`,
        /points/,
      ],
      ['?groupBy=building', /groupBy/],
      ['?minutes=0', /minutes/],
      ['?minutes=576001', /minutes/],
      ['?bucketSec=-60', /bucketSec/],
      [`?groupBy=site&group=${'x'.repeat(257)}`, /not be longer than 256/],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await get(query);
      const what = query.slice(0, 80);
      expect(status, what).toBe(400);
      expect(body, what).toMatchObject({ code: 'LB_ERR_REQUEST_INVALID' });
      expect(body.message, what).toMatch(message);
    }
  });
});
