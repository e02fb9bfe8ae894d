import type { LatencyStats, StatsPoint, StatsSeries } from '@lagebild/shared';
import { errorRate, type Health, healthOf } from './health.js';
import type { RangeKey } from './routes.js';

/** How each time range is asked for: its length and the chart's bucket width (≈ 50–180 points). */
export const RANGE_SPEC: Record<RangeKey, { minutes: number; bucketSec: number }> = {
  '1h': { minutes: 60, bucketSec: 60 },
  '24h': { minutes: 1440, bucketSec: 1800 },
  // whole hours: answered from hour rollups
  '7d': { minutes: 10_080, bucketSec: 3600 },
  '30d': { minutes: 43_200, bucketSec: 14_400 },
};

/** Mean phase milestones of answered runs, each measured from the start of the run. */
export type Phases = NonNullable<StatsPoint['phases']>;

/** One Fachverfahren in one group as a table row. */
export interface StatsRow {
  app: string;
  /** '' for the whole fleet and for devices without a group value */
  group: string;
  count: number;
  errors: number;
  /** 0–1; null without runs */
  errorRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  errorClasses: Record<string, number>;
  phases: Phases | null;
  health: Health;
}

const collator = new Intl.Collator('de', { numeric: true, sensitivity: 'base' });

/** Orders names as people expect ("gw-2" before "gw-10"); the empty group (no value) goes last. */
export function compareNames(a: string, b: string): number {
  if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1;
  return collator.compare(a, b);
}

/**
 * One series as a row. Totals (bucketSec 0) have one point; should a series carry several, counts
 * and error classes are added up, but percentiles cannot be, so they are left empty.
 */
export function rowOf(series: StatsSeries): StatsRow {
  const { points } = series;
  const one = points.length === 1 ? points[0]! : null;
  let count = 0;
  let errors = 0;
  const errorClasses: Record<string, number> = {};
  for (const p of points) {
    count += p.count;
    errors += p.errors;
    for (const [cls, n] of Object.entries(p.errorClasses ?? {}))
      errorClasses[cls] = (errorClasses[cls] ?? 0) + n;
  }
  const p95Ms = one?.p95Ms ?? null;
  return {
    app: series.app,
    group: series.group,
    count,
    errors,
    errorRate: errorRate(count, errors),
    p50Ms: one?.p50Ms ?? null,
    p95Ms,
    p99Ms: one?.p99Ms ?? null,
    errorClasses,
    phases: one?.phases ?? null,
    health: healthOf({ count, errors, p95Ms }),
  };
}

/** Rows of a totals answer, by application then group; series without any run are left out. */
export function statsRows(stats: LatencyStats): StatsRow[] {
  return stats.series
    .map(rowOf)
    .filter((r) => r.count > 0)
    .sort((a, b) => compareNames(a.app, b.app) || compareNames(a.group, b.group));
}

/** The health grid: applications × groups, with the row of each cell that has runs. */
export interface GridModel {
  apps: string[];
  groups: string[];
  cell(app: string, group: string): StatsRow | undefined;
}

/** Lays a grouped totals answer out as a grid; groups and applications sorted by name. */
export function gridModel(stats: LatencyStats): GridModel {
  const cells = new Map<string, Map<string, StatsRow>>();
  const groups = new Set<string>();
  for (const row of statsRows(stats)) {
    let byGroup = cells.get(row.app);
    if (!byGroup) {
      byGroup = new Map();
      cells.set(row.app, byGroup);
    }
    byGroup.set(row.group, row);
    groups.add(row.group);
  }
  return {
    apps: [...cells.keys()].sort(compareNames),
    groups: [...groups].sort(compareNames),
    cell: (app, group) => cells.get(app)?.get(group),
  };
}

/** Failed runs of one error class and their share of all failures. */
export interface ErrorClassRow {
  errorClass: string;
  count: number;
  /** 0–1 of the failed runs */
  share: number;
}

/** Error classes, most frequent first. */
export function errorClassRows(row: Pick<StatsRow, 'errorClasses'>): ErrorClassRow[] {
  const entries = Object.entries(row.errorClasses).filter(([, n]) => n > 0);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return entries
    .map(([errorClass, count]) => ({ errorClass, count, share: count / total }))
    .sort((a, b) => b.count - a.count || a.errorClass.localeCompare(b.errorClass));
}

export const PHASES = ['dns', 'connect', 'tls', 'ttfb'] as const;
export type PhaseName = (typeof PHASES)[number];

/** One phase of a run: how long it took and when (from the start of the run) it was done. */
export interface PhaseRow {
  phase: PhaseName;
  durationMs: number;
  doneAtMs: number;
}

/**
 * The milestones (name resolved, connected, TLS done, first byte — each from the run's start) as
 * phases with their own duration; phases no run measured (TLS of plain HTTP) are left out.
 */
export function phaseRows(phases: Phases | null): PhaseRow[] {
  if (!phases) return [];
  const at: Record<PhaseName, number | null> = {
    dns: phases.dnsMs,
    connect: phases.connectMs,
    tls: phases.tlsMs,
    ttfb: phases.ttfbMs,
  };
  const rows: PhaseRow[] = [];
  let previous = 0;
  for (const phase of PHASES) {
    const done = at[phase];
    if (done === null) continue;
    // means of different run sets can cross by a hair; a phase never takes negative time
    rows.push({ phase, durationMs: Math.max(0, done - previous), doneAtMs: done });
    previous = Math.max(previous, done);
  }
  return rows;
}

/** Chart columns: x in seconds (uPlot's unit), p50/p95/p99 per bucket, null where a bucket has no answer. */
export interface PercentileColumns {
  xs: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
}

/** Lays one series' buckets over the whole range, so buckets without runs show as gaps. */
export function percentileColumns(stats: LatencyStats, series: StatsSeries | undefined): PercentileColumns {
  const bucketMs = stats.bucketSec * 1000;
  const out: PercentileColumns = { xs: [], p50: [], p95: [], p99: [] };
  if (bucketMs <= 0) return out;
  const byT = new Map((series?.points ?? []).map((p) => [p.t, p]));
  const first = Math.floor(stats.from / bucketMs) * bucketMs;
  for (let t = first; t < stats.to; t += bucketMs) {
    const p = byT.get(t);
    out.xs.push(t / 1000);
    out.p50.push(p?.p50Ms ?? null);
    out.p95.push(p?.p95Ms ?? null);
    out.p99.push(p?.p99Ms ?? null);
  }
  return out;
}
