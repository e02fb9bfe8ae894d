import { type GroupKind, Histogram, type LatencyStats, type StatsPoint } from '@lagebild/shared';

// Engine-independent rollup arithmetic: both stores fold raw samples into the same cells and build
// the same statistics from them; only the SQL differs.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** How long each kind of data is kept (milliseconds). */
export interface RetentionPolicy {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
  eventsMs: number;
}

/** Raw samples 48 h, minute rollups 14 d, hour rollups 400 d, events 90 d. */
export const DEFAULT_RETENTION: RetentionPolicy = {
  rawMs: 2 * DAY_MS,
  minuteMs: 14 * DAY_MS,
  hourMs: 400 * DAY_MS,
  eventsMs: 90 * DAY_MS,
};

/** Group kinds that rollups are kept for ('device' rollups are kept per device number). */
export const ROLLUP_GROUP_KINDS = ['all', 'gateway', 'site', 'orgUnit'] as const;
export type RollupGroupKind = (typeof ROLLUP_GROUP_KINDS)[number];

/** One raw sample as the rollup job reads it, with the device's groups at folding time ('' = none). */
export interface FoldSample {
  deviceNum: number;
  app: string;
  ts: number;
  ok: boolean;
  totalMs: number;
  gateway: string;
  site: string;
  orgUnit: string;
  /** why a failed run failed */
  errorClass: string | null;
  /** phase milestones of the run (ms from its start), null when not measured */
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
}

/**
 * What group rollups keep beyond the latency: failed runs per error class, and per phase (DNS,
 * connect, TLS, first byte) the sum and number of answered runs that measured it, for the mean phase
 * breakdown of a Fachverfahren.
 */
export interface GroupDetail {
  errorClasses: Map<string, number>;
  phaseSum: [number, number, number, number];
  phaseN: [number, number, number, number];
}

/** Count, errors and the answered runs' sum, min, max and histogram of one key and time bucket. */
export interface RollupCell {
  count: number;
  errors: number;
  sumMs: number;
  minMs: number | null;
  maxMs: number | null;
  hist: Histogram;
}

export interface DeviceCell extends RollupCell {
  deviceNum: number;
  app: string;
  t: number;
}

export interface GroupCell extends RollupCell {
  kind: RollupGroupKind;
  grp: string;
  app: string;
  t: number;
  detail: GroupDetail;
}

/** The cells one batch of samples adds to the four rollup tables. */
export interface Folded {
  deviceMinute: DeviceCell[];
  deviceHour: DeviceCell[];
  groupMinute: GroupCell[];
  groupHour: GroupCell[];
}

/** A rollup row as both engines store it (hist = Histogram.encode()). */
export interface RollupRowValues {
  count: number;
  errors: number;
  sum_ms: number;
  min_ms: number | null;
  max_ms: number | null;
  hist: Uint8Array;
}

/** A group rollup row: the latency columns plus error classes (JSON object or null) and phase sums. */
export interface GroupRowValues extends RollupRowValues {
  error_classes: string | null;
  dns_sum: number;
  dns_n: number;
  connect_sum: number;
  connect_n: number;
  tls_sum: number;
  tls_n: number;
  ttfb_sum: number;
  ttfb_n: number;
}

function emptyDetail(): GroupDetail {
  return { errorClasses: new Map(), phaseSum: [0, 0, 0, 0], phaseN: [0, 0, 0, 0] };
}

function addDetail(d: GroupDetail, s: FoldSample): void {
  if (!s.ok) {
    const c = s.errorClass ?? 'other';
    d.errorClasses.set(c, (d.errorClasses.get(c) ?? 0) + 1);
    return;
  }
  const phases = [s.dnsMs, s.connectMs, s.tlsMs, s.ttfbMs];
  for (let i = 0; i < 4; i++) {
    const v = phases[i];
    if (v === null || v === undefined) continue;
    d.phaseSum[i] = (d.phaseSum[i] ?? 0) + v;
    d.phaseN[i] = (d.phaseN[i] ?? 0) + 1;
  }
}

function emptyCell(): RollupCell {
  return { count: 0, errors: 0, sumMs: 0, minMs: null, maxMs: null, hist: new Histogram() };
}

/** Adds one run; `bucket` is the histogram bucket of an answered run (computed once per sample). */
function addRun(cell: RollupCell, ok: boolean, ms: number, bucket: number | null): void {
  cell.count++;
  if (!ok) {
    cell.errors++;
    return;
  }
  cell.sumMs += ms;
  if (cell.minMs === null || ms < cell.minMs) cell.minMs = ms;
  if (cell.maxMs === null || ms > cell.maxMs) cell.maxMs = ms;
  cell.hist.addToBucket(bucket);
}

const floorTo = (t: number, ms: number) => Math.floor(t / ms) * ms;

function deviceCell(map: Map<string, DeviceCell>, deviceNum: number, app: string, t: number): DeviceCell {
  const key = `${deviceNum}\u0000${app}\u0000${t}`;
  let cell = map.get(key);
  if (!cell) {
    cell = {
      deviceNum,
      app,
      t,
      count: 0,
      errors: 0,
      sumMs: 0,
      minMs: null,
      maxMs: null,
      hist: new Histogram(),
    };
    map.set(key, cell);
  }
  return cell;
}

function groupCell(
  map: Map<string, GroupCell>,
  kind: RollupGroupKind,
  grp: string,
  app: string,
  t: number,
): GroupCell {
  const key = `${kind}\u0000${grp}\u0000${app}\u0000${t}`;
  let cell = map.get(key);
  if (!cell) {
    cell = {
      kind,
      grp,
      app,
      t,
      count: 0,
      errors: 0,
      sumMs: 0,
      minMs: null,
      maxMs: null,
      hist: new Histogram(),
      detail: emptyDetail(),
    };
    map.set(key, cell);
  }
  return cell;
}

/** Folds samples into per-minute and per-hour cells for (device, app) and (group, app). */
export function foldSamples(samples: Iterable<FoldSample>): Folded {
  const deviceMinute = new Map<string, DeviceCell>();
  const deviceHour = new Map<string, DeviceCell>();
  const groupMinute = new Map<string, GroupCell>();
  const groupHour = new Map<string, GroupCell>();
  // this runs for every sample the fleet sends: one logarithm and ten map lookups per sample
  for (const s of samples) {
    const ms = Math.max(s.totalMs, 0);
    const bucket = s.ok ? Histogram.bucketIndex(ms) : null;
    const tm = floorTo(s.ts, MINUTE_MS);
    const th = floorTo(s.ts, HOUR_MS);
    addRun(deviceCell(deviceMinute, s.deviceNum, s.app, tm), s.ok, ms, bucket);
    addRun(deviceCell(deviceHour, s.deviceNum, s.app, th), s.ok, ms, bucket);
    for (const [kind, grp] of [
      ['all', ''],
      ['gateway', s.gateway],
      ['site', s.site],
      ['orgUnit', s.orgUnit],
    ] as const) {
      const minute = groupCell(groupMinute, kind, grp, s.app, tm);
      addRun(minute, s.ok, ms, bucket);
      addDetail(minute.detail, s);
      const hour = groupCell(groupHour, kind, grp, s.app, th);
      addRun(hour, s.ok, ms, bucket);
      addDetail(hour.detail, s);
    }
  }
  return {
    deviceMinute: [...deviceMinute.values()],
    deviceHour: [...deviceHour.values()],
    groupMinute: [...groupMinute.values()],
    groupHour: [...groupHour.values()],
  };
}

/** The row to store for `cell`, merged with the row already stored for its key (if any). */
export function mergeCell(existing: RollupRowValues | undefined, cell: RollupCell): RollupRowValues {
  if (!existing) {
    return {
      count: cell.count,
      errors: cell.errors,
      sum_ms: cell.sumMs,
      min_ms: cell.minMs,
      max_ms: cell.maxMs,
      hist: cell.hist.encode(),
    };
  }
  const pick = (a: number | null, b: number | null, f: (x: number, y: number) => number) =>
    a === null ? b : b === null ? a : f(a, b);
  return {
    count: existing.count + cell.count,
    errors: existing.errors + cell.errors,
    sum_ms: existing.sum_ms + cell.sumMs,
    min_ms: pick(existing.min_ms, cell.minMs, Math.min),
    max_ms: pick(existing.max_ms, cell.maxMs, Math.max),
    hist: Histogram.decode(existing.hist).merge(cell.hist).encode(),
  };
}

function classesOf(json: string | null | undefined): Map<string, number> {
  const m = new Map<string, number>();
  if (json) for (const [k, v] of Object.entries(JSON.parse(json) as Record<string, number>)) m.set(k, v);
  return m;
}

const byName = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function classesJson(m: Map<string, number>): string | null {
  return m.size === 0 ? null : JSON.stringify(Object.fromEntries([...m].sort(byName)));
}

/** Like `mergeCell`, for group rollups: error classes and phase sums are added too. */
export function mergeGroupCell(existing: GroupRowValues | undefined, cell: GroupCell): GroupRowValues {
  const base = mergeCell(existing, cell);
  const d = cell.detail;
  const classes = classesOf(existing?.error_classes);
  for (const [k, v] of d.errorClasses) classes.set(k, (classes.get(k) ?? 0) + v);
  return {
    ...base,
    error_classes: classesJson(classes),
    dns_sum: (existing?.dns_sum ?? 0) + d.phaseSum[0],
    dns_n: (existing?.dns_n ?? 0) + d.phaseN[0],
    connect_sum: (existing?.connect_sum ?? 0) + d.phaseSum[1],
    connect_n: (existing?.connect_n ?? 0) + d.phaseN[1],
    tls_sum: (existing?.tls_sum ?? 0) + d.phaseSum[2],
    tls_n: (existing?.tls_n ?? 0) + d.phaseN[2],
    ttfb_sum: (existing?.ttfb_sum ?? 0) + d.phaseSum[3],
    ttfb_n: (existing?.ttfb_n ?? 0) + d.phaseN[3],
  };
}

/** What a statistics query asks for; see Store.latencyStats. */
export interface StatsQuery {
  from: number;
  to: number;
  /** bucket width in seconds; 0 = one total per series over the whole range */
  bucketSec: number;
  groupBy: GroupKind;
  /** only these Fachverfahren (default: all) */
  apps?: string[];
  /** only these groups: gateway hosts, sites, org units, or device ids for 'device' (required there) */
  groups?: string[];
}

/**
 * Hour rollups answer buckets of whole hours and totals over more than six hours; minute rollups
 * everything finer. (Minute rollups are kept 14 days by default; older ranges need whole-hour buckets.)
 */
export function chooseResolution(q: Pick<StatsQuery, 'from' | 'to' | 'bucketSec'>): 'minute' | 'hour' {
  if (q.bucketSec > 0) return q.bucketSec % 3600 === 0 ? 'hour' : 'minute';
  return q.to - q.from > 6 * HOUR_MS ? 'hour' : 'minute';
}

/**
 * The rollup rows a statistics query needs: those whose bucket start t lies in [fromT, toT], where
 * fromT is `from` floored to the resolution (a bucket that began before `from` still counts).
 */
export function rollupRange(q: Pick<StatsQuery, 'from' | 'to' | 'bucketSec'>): {
  resolution: 'minute' | 'hour';
  fromT: number;
  toT: number;
} {
  const resolution = chooseResolution(q);
  const width = resolution === 'hour' ? HOUR_MS : MINUTE_MS;
  return { resolution, fromT: floorTo(q.from, width), toT: q.to };
}

/**
 * A rollup row as a statistics query reads it; group is the group value or device id. Rows of group
 * rollups also carry error classes and phase sums (device rollups do not keep them).
 */
export interface StatsRow extends Partial<Omit<GroupRowValues, keyof RollupRowValues>> {
  app: string;
  group: string;
  t: number;
  count: number;
  errors: number;
  sum_ms: number;
  min_ms: number | null;
  max_ms: number | null;
  hist: Uint8Array;
}

type StatsCell = RollupCell & { detail: GroupDetail | null };

/** Sums rollup rows into per-(app, group) series of time buckets with percentiles. */
export class StatsBuilder {
  private readonly series = new Map<
    string,
    { app: string; group: string; buckets: Map<number, StatsCell> }
  >();
  private readonly bucketMs: number;

  constructor(private readonly q: StatsQuery) {
    this.bucketMs = q.bucketSec * 1000;
  }

  add(row: StatsRow): void {
    const key = `${row.app}\u0000${row.group}`;
    let s = this.series.get(key);
    if (!s) {
      s = { app: row.app, group: row.group, buckets: new Map() };
      this.series.set(key, s);
    }
    const t = this.bucketMs > 0 ? floorTo(row.t, this.bucketMs) : this.q.from;
    let cell = s.buckets.get(t);
    if (!cell) {
      cell = { ...emptyCell(), detail: row.dns_n === undefined ? null : emptyDetail() };
      s.buckets.set(t, cell);
    }
    if (cell.detail) addRowDetail(cell.detail, row);
    cell.count += row.count;
    cell.errors += row.errors;
    cell.sumMs += row.sum_ms;
    if (row.min_ms !== null) cell.minMs = cell.minMs === null ? row.min_ms : Math.min(cell.minMs, row.min_ms);
    if (row.max_ms !== null) cell.maxMs = cell.maxMs === null ? row.max_ms : Math.max(cell.maxMs, row.max_ms);
    cell.hist.mergeEncoded(row.hist);
  }

  build(resolution: 'minute' | 'hour'): LatencyStats {
    const series = [...this.series.values()]
      .sort((a, b) => (a.app === b.app ? (a.group < b.group ? -1 : 1) : a.app < b.app ? -1 : 1))
      .map((s) => ({
        app: s.app,
        group: s.group,
        points: [...s.buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, c]) => toPoint(t, c)),
      }));
    return {
      groupBy: this.q.groupBy,
      from: this.q.from,
      to: this.q.to,
      bucketSec: this.q.bucketSec > 0 ? this.q.bucketSec : Math.ceil((this.q.to - this.q.from) / 1000),
      resolution,
      series,
    };
  }
}

function addRowDetail(d: GroupDetail, row: StatsRow): void {
  for (const [k, v] of classesOf(row.error_classes)) d.errorClasses.set(k, (d.errorClasses.get(k) ?? 0) + v);
  const sums = [row.dns_sum, row.connect_sum, row.tls_sum, row.ttfb_sum];
  const ns = [row.dns_n, row.connect_n, row.tls_n, row.ttfb_n];
  for (let i = 0; i < 4; i++) {
    d.phaseSum[i] = (d.phaseSum[i] ?? 0) + (sums[i] ?? 0);
    d.phaseN[i] = (d.phaseN[i] ?? 0) + (ns[i] ?? 0);
  }
}

function toPoint(t: number, c: StatsCell): StatsPoint {
  const answered = c.count - c.errors;
  const point: StatsPoint = {
    t,
    count: c.count,
    errors: c.errors,
    p50Ms: c.hist.quantile(0.5),
    p95Ms: c.hist.quantile(0.95),
    p99Ms: c.hist.quantile(0.99),
    avgMs: answered > 0 ? c.sumMs / answered : null,
    minMs: c.minMs,
    maxMs: c.maxMs,
  };
  if (c.detail) {
    const d = c.detail;
    const mean = (i: number) => ((d.phaseN[i] ?? 0) > 0 ? (d.phaseSum[i] ?? 0) / (d.phaseN[i] ?? 1) : null);
    point.errorClasses = Object.fromEntries([...d.errorClasses].sort(byName));
    point.phases = { dnsMs: mean(0), connectMs: mean(1), tlsMs: mean(2), ttfbMs: mean(3) };
  }
  return point;
}
