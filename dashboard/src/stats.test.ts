import type { LatencyStats, StatsPoint, StatsSeries } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { statsQueryString } from './api.js';
import {
  compareNames,
  errorClassRows,
  gridModel,
  percentileColumns,
  phaseRows,
  RANGE_SPEC,
  rowOf,
  statsRows,
} from './stats.js';

const T0 = Date.UTC(2024, 6, 1, 10, 0);

function point(over: Partial<StatsPoint> = {}): StatsPoint {
  return {
    t: T0,
    count: 100,
    errors: 0,
    p50Ms: 100,
    p95Ms: 200,
    p99Ms: 300,
    avgMs: 110,
    minMs: 50,
    maxMs: 400,
    ...over,
  };
}

function series(app: string, group: string, points: StatsPoint[]): StatsSeries {
  return { app, group, points };
}

function stats(list: StatsSeries[], over: Partial<LatencyStats> = {}): LatencyStats {
  return {
    groupBy: 'gateway',
    from: T0,
    to: T0 + 15 * 60_000,
    bucketSec: 900,
    resolution: 'minute',
    series: list,
    ...over,
  };
}

describe('statistics as table rows', () => {
  it('carry percentiles, error rate, runs and health of a totals series', () => {
    const row = rowOf(
      series('Bauportal', 'gw-2', [
        point({ count: 200, errors: 12, p95Ms: 900, errorClasses: { timeout: 10, 'http-status': 2 } }),
      ]),
    );
    expect(row).toMatchObject({
      app: 'Bauportal',
      group: 'gw-2',
      count: 200,
      errors: 12,
      errorRate: 0.06,
      p50Ms: 100,
      p95Ms: 900,
      p99Ms: 300,
      health: 'bad',
      errorClasses: { timeout: 10, 'http-status': 2 },
    });
  });

  it('add up counts of several buckets but leave percentiles empty, since they cannot be added', () => {
    const row = rowOf(
      series('GIS', '', [
        point({ count: 10, errors: 1, errorClasses: { dns: 1 } }),
        point({ t: T0 + 60_000, count: 30, errors: 2, errorClasses: { dns: 1, tls: 1 } }),
      ]),
    );
    expect(row.count).toBe(40);
    expect(row.errors).toBe(3);
    expect(row.errorClasses).toEqual({ dns: 2, tls: 1 });
    expect(row.p95Ms).toBeNull();
    expect(row.phases).toBeNull();
  });

  it('are sorted by application and group, naturally, with the group without a value last', () => {
    const rows = statsRows(
      stats([
        series('Standesamt', 'gw-10', [point()]),
        series('Bauportal', '', [point()]),
        series('Bauportal', 'gw-2', [point()]),
        series('Bauportal', 'gw-10', [point()]),
        series('E-Akte', 'gw-1', [point({ count: 0, p50Ms: null, p95Ms: null, p99Ms: null })]),
        series('Archiv', 'gw-1', []),
      ]),
    );
    expect(rows.map((r) => `${r.app}/${r.group}`)).toEqual([
      'Bauportal/gw-2',
      'Bauportal/gw-10',
      'Bauportal/',
      'Standesamt/gw-10',
    ]);
    expect(compareNames('a', '')).toBeLessThan(0);
    expect(compareNames('', '')).toBe(0);
  });
});

describe('the health grid model', () => {
  it('puts applications in rows and groups in columns, leaving cells without runs empty', () => {
    const grid = gridModel(
      stats([
        series('GIS', 'gw-1', [point({ p95Ms: 1600 })]),
        series('Bauportal', 'gw-2', [point({ p95Ms: 600 })]),
        series('Bauportal', 'gw-1', [point()]),
      ]),
    );
    expect(grid.apps).toEqual(['Bauportal', 'GIS']);
    expect(grid.groups).toEqual(['gw-1', 'gw-2']);
    expect(grid.cell('Bauportal', 'gw-1')?.health).toBe('good');
    expect(grid.cell('Bauportal', 'gw-2')?.health).toBe('warn');
    expect(grid.cell('GIS', 'gw-1')?.health).toBe('bad');
    expect(grid.cell('GIS', 'gw-2')).toBeUndefined();
  });
});

describe('error classes', () => {
  it('are listed most frequent first with their share of the failures', () => {
    expect(errorClassRows({ errorClasses: { dns: 1, timeout: 3, tls: 0 } })).toEqual([
      { errorClass: 'timeout', count: 3, share: 0.75 },
      { errorClass: 'dns', count: 1, share: 0.25 },
    ]);
    expect(errorClassRows({ errorClasses: {} })).toEqual([]);
  });
});

describe('phases', () => {
  it('turn cumulative milestones into the duration of each phase', () => {
    expect(phaseRows({ dnsMs: 5, connectMs: 25, tlsMs: 70, ttfbMs: 170 })).toEqual([
      { phase: 'dns', durationMs: 5, doneAtMs: 5 },
      { phase: 'connect', durationMs: 20, doneAtMs: 25 },
      { phase: 'tls', durationMs: 45, doneAtMs: 70 },
      { phase: 'ttfb', durationMs: 100, doneAtMs: 170 },
    ]);
  });

  it('skip phases no run measured (plain HTTP has no TLS) and never go negative', () => {
    expect(phaseRows({ dnsMs: 4, connectMs: 10, tlsMs: null, ttfbMs: 9.5 })).toEqual([
      { phase: 'dns', durationMs: 4, doneAtMs: 4 },
      { phase: 'connect', durationMs: 6, doneAtMs: 10 },
      { phase: 'ttfb', durationMs: 0, doneAtMs: 9.5 },
    ]);
    expect(phaseRows(null)).toEqual([]);
  });
});

describe('chart columns', () => {
  it('lay the buckets over the whole range, with gaps where no run answered', () => {
    const s = stats([series('GIS', '', [point({ t: T0 + 120_000, p50Ms: 90, p95Ms: 180, p99Ms: 250 })])], {
      from: T0 + 30_000,
      to: T0 + 4 * 60_000,
      bucketSec: 60,
    });
    const c = percentileColumns(s, s.series[0]);
    expect(c.xs).toEqual([0, 1, 2, 3].map((i) => (T0 + i * 60_000) / 1000));
    expect(c.p95).toEqual([null, null, 180, null]);
    expect(c.p50[2]).toBe(90);
    expect(c.p99[2]).toBe(250);
  });

  it('are empty for a totals answer or when the series is missing', () => {
    expect(percentileColumns(stats([], { bucketSec: 0 }), undefined).xs).toEqual([]);
    expect(percentileColumns(stats([], { bucketSec: 60 }), undefined).p95.every((v) => v === null)).toBe(
      true,
    );
  });

  it('stay within the server limit of 10,080 buckets for every range', () => {
    for (const { minutes, bucketSec } of Object.values(RANGE_SPEC)) {
      expect(bucketSec % 60).toBe(0);
      expect((minutes * 60) / bucketSec).toBeLessThanOrEqual(10_080);
    }
  });
});

describe('statistics requests', () => {
  it('repeat app and group parameters and leave out the whole-fleet grouping', () => {
    expect(statsQueryString({ minutes: 60, apps: ['Sozialamt (OPEN/PROSOZ)'] })).toBe(
      'minutes=60&bucketSec=0&app=Sozialamt+%28OPEN%2FPROSOZ%29',
    );
    expect(
      statsQueryString({ minutes: 15, bucketSec: 60, groupBy: 'gateway', apps: ['GIS'], groups: [''] }),
    ).toBe('minutes=15&bucketSec=60&groupBy=gateway&app=GIS&group=');
  });
});
