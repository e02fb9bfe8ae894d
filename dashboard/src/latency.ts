import type { AppLatency, LiveProbeSample } from '@lagebild/shared';

/** One time bucket of one application. Means are over successful probes only. */
export interface Bucket {
  /** probe results in the bucket, failed ones included */
  count: number;
  errors: number;
  /** successful results the mean is taken over */
  okCount: number;
  sumMs: number;
  maxMs: number | null;
}

/** Per-application latency buckets over a sliding window (all times in ms since the epoch). */
export interface LatencyState {
  bucketMs: number;
  windowMs: number;
  /** app → bucket start → bucket */
  apps: ReadonlyMap<string, ReadonlyMap<number, Bucket>>;
}

/** The chart's window: 60 one-minute buckets. */
export const CHART_MINUTES = 60;
export const CHART_BUCKET_SEC = 60;

/** An empty latency picture with the given bucket size and window. */
export function emptyLatency(bucketSec = CHART_BUCKET_SEC, minutes = CHART_MINUTES): LatencyState {
  return { bucketMs: bucketSec * 1000, windowMs: minutes * 60_000, apps: new Map() };
}

/** Start of the bucket a timestamp falls into. */
export function bucketStart(ts: number, bucketMs: number): number {
  return Math.floor(ts / bucketMs) * bucketMs;
}

/** First bucket still inside the window that ends with the bucket of `now`. */
function firstBucket(state: LatencyState, now: number): number {
  return bucketStart(now, state.bucketMs) - state.windowMs + state.bucketMs;
}

/**
 * Takes the server's history (GET /api/v1/apps/latency). The server is authoritative for every bucket
 * it returns, so those replace what arrived live; buckets only seen live are kept.
 */
export function seedLatency(state: LatencyState, history: AppLatency, now: number): LatencyState {
  const bucketMs = history.bucketSec * 1000;
  // a different bucket size makes the live buckets incomparable; start over with the server's
  const apps = new Map(bucketMs === state.bucketMs ? state.apps : []);
  for (const { app, points } of history.apps) {
    const buckets = new Map(apps.get(app) ?? []);
    for (const p of points) {
      const okCount = p.avgMs === null ? 0 : Math.max(1, p.count - p.errors);
      buckets.set(bucketStart(p.t, bucketMs), {
        count: p.count,
        errors: p.errors,
        okCount,
        sumMs: p.avgMs === null ? 0 : p.avgMs * okCount,
        maxMs: p.maxMs,
      });
    }
    apps.set(app, buckets);
  }
  return pruneLatency({ ...state, bucketMs, apps }, now);
}

/** Adds live probe results to their buckets; results older than the window are dropped. */
export function addSamples(
  state: LatencyState,
  samples: readonly LiveProbeSample[],
  now: number,
): LatencyState {
  if (samples.length === 0) return state;
  const oldest = firstBucket(state, now);
  const apps = new Map(state.apps);
  // copy each touched app's buckets once per call, not once per sample
  const copied = new Set<string>();
  for (const s of samples) {
    const t = bucketStart(s.ts, state.bucketMs);
    if (t < oldest) continue;
    let buckets = apps.get(s.app) as Map<number, Bucket> | undefined;
    if (!copied.has(s.app)) {
      buckets = new Map(buckets ?? []);
      apps.set(s.app, buckets);
      copied.add(s.app);
    }
    const b = buckets!.get(t) ?? { count: 0, errors: 0, okCount: 0, sumMs: 0, maxMs: null };
    buckets!.set(
      t,
      s.ok
        ? {
            count: b.count + 1,
            errors: b.errors,
            okCount: b.okCount + 1,
            sumMs: b.sumMs + s.totalMs,
            maxMs: Math.max(b.maxMs ?? 0, s.totalMs),
          }
        : { ...b, count: b.count + 1, errors: b.errors + 1 },
    );
  }
  return copied.size === 0 ? state : { ...state, apps };
}

/** Drops buckets that slid out of the window, and applications left without any. */
export function pruneLatency(state: LatencyState, now: number): LatencyState {
  const oldest = firstBucket(state, now);
  const apps = new Map<string, ReadonlyMap<number, Bucket>>();
  let changed = false;
  for (const [app, buckets] of state.apps) {
    let kept: Map<number, Bucket> | null = null;
    for (const t of buckets.keys()) {
      if (t >= oldest) continue;
      kept ??= new Map(buckets);
      kept.delete(t);
    }
    if (kept) changed = true;
    const result = kept ?? buckets;
    if (result.size > 0) apps.set(app, result);
    else changed = true;
  }
  return changed ? { ...state, apps } : state;
}

/** Mean of a bucket's successful probes, or null when there were none. */
export function bucketMean(b: Bucket | undefined): number | null {
  return b && b.okCount > 0 ? b.sumMs / b.okCount : null;
}

/** Columns for the chart: x in seconds (uPlot's time unit), one y column of means per app. */
export interface ChartData {
  apps: string[];
  xs: number[];
  ys: (number | null)[][];
}

/** Lays the window out as one column per bucket, so minutes without results show as gaps. */
export function chartData(state: LatencyState, now: number): ChartData {
  const apps = [...state.apps.keys()].sort((a, b) => a.localeCompare(b, 'de'));
  const xs: number[] = [];
  const ys: (number | null)[][] = apps.map(() => []);
  const last = bucketStart(now, state.bucketMs);
  for (let t = firstBucket(state, now); t <= last; t += state.bucketMs) {
    xs.push(t / 1000);
    apps.forEach((app, i) => {
      ys[i]!.push(bucketMean(state.apps.get(app)?.get(t)));
    });
  }
  return { apps, xs, ys };
}

/**
 * Per-series index of the newest value: the legend shows each application's latest mean while the
 * pointer is not over the chart. Index 0 (time) points at the newest of them; null where there is none.
 */
export function latestIndexes(data: ChartData): (number | null)[] {
  const perApp = data.ys.map((ys) => {
    for (let i = ys.length - 1; i >= 0; i--) if (ys[i] !== null) return i;
    return null;
  });
  const newest = perApp.reduce<number | null>(
    (max, i) => (i !== null && (max === null || i > max) ? i : max),
    null,
  );
  return [newest, ...perApp];
}
