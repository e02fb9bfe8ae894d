// Rollup cells with realistic histograms: log-normal latencies per Fachverfahren, encoded with the
// product's own Histogram. Cells of one device are built from random samples; cells of whole groups
// (thousands of samples) from the log-normal's probability mass per histogram bucket, quantised to
// size classes so that a few thousand precomputed cells serve millions of rows.

/** Deterministic PRNG (mulberry32): the same seed gives the same data set on every engine. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand) {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
function phi(x) {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * Pools of rollup cells for one data set. `shared` is the built @lagebild/shared module (Histogram,
 * bucketOf, bucketValue).
 */
export function createCellPools(shared, apps, { poolSize = 512, seed = 42 } = {}) {
  const { Histogram, bucketOf, bucketValue, HISTOGRAM_RELATIVE_ERROR } = shared;
  const logGamma = Math.log((1 + HISTOGRAM_RELATIVE_ERROR) / (1 - HISTOGRAM_RELATIVE_ERROR));

  /**
   * One device's runs of one probe: `runs` samples, each failing with the app's error rate. A device
   * in one hour sees a narrower spread than the fleet: its own median (log-normal around the app's,
   * σ 0.3) and σ 0.2 around that.
   */
  function sampledCell(app, runs, rand) {
    const hist = new Histogram();
    let errors = 0;
    let sum = 0;
    let min = null;
    let max = null;
    const mu = Math.log(app.medianMs) + 0.3 * gaussian(rand);
    for (let i = 0; i < runs; i++) {
      if (rand() < app.errorRate) {
        errors++;
        continue;
      }
      const v = Math.round(Math.exp(mu + 0.2 * gaussian(rand)) * 10) / 10;
      hist.add(v);
      sum += v;
      min = min === null ? v : Math.min(min, v);
      max = max === null ? v : Math.max(max, v);
    }
    return { count: runs, errors, sum_ms: sum, min_ms: min, max_ms: max, hist: Buffer.from(hist.encode()) };
  }

  const hour = [];
  const minute = [];
  apps.forEach((app, a) => {
    const rand = prng(seed * 1000 + a);
    hour.push(Array.from({ length: poolSize }, () => sampledCell(app, 60, rand)));
    minute.push(Array.from({ length: poolSize }, () => sampledCell(app, 1, rand)));
  });

  // group cells: keyed by app, size class (5 % steps) and one of four latency variants
  const groupCache = new Map();
  const CLASS_STEP = Math.log(1.05);
  function groupCell(a, runs, errors, variant) {
    const ok = runs - errors;
    if (ok <= 0) {
      return {
        count: runs,
        errors,
        sum_ms: 0,
        min_ms: null,
        max_ms: null,
        hist: Buffer.from(new Histogram().encode()),
      };
    }
    const cls = Math.round(Math.log(ok) / CLASS_STEP);
    const key = `${a}:${cls}:${variant & 3}`;
    let base = groupCache.get(key);
    if (!base) {
      const n = Math.max(1, Math.round(Math.exp(cls * CLASS_STEP)));
      const app = apps[a];
      const mu = Math.log(app.medianMs * (1 + 0.06 * ((variant & 3) - 1.5)));
      const hist = new Histogram();
      let sum = 0;
      let min = null;
      let max = null;
      let placed = 0;
      const lo = bucketOf(Math.exp(mu - 5 * app.sigma));
      const hi = bucketOf(Math.exp(mu + 5 * app.sigma));
      for (let i = lo; i <= hi; i++) {
        // bucket i holds (γ^(i-1), γ^i]; cumulative rounding makes the counts add up to n
        const upper = i === hi ? 1 : phi((i * logGamma - mu) / app.sigma);
        const c = Math.round(n * upper) - placed;
        if (c <= 0) continue;
        const v = bucketValue(i);
        hist.add(v, c);
        placed += c;
        sum += v * c;
        min = min === null ? v : min;
        max = v;
      }
      base = { ok: placed, sum_ms: sum, min_ms: min, max_ms: max, hist: Buffer.from(hist.encode()) };
      groupCache.set(key, base);
    }
    return {
      count: base.ok + errors,
      errors,
      sum_ms: base.sum_ms,
      min_ms: base.min_ms,
      max_ms: base.max_ms,
      hist: base.hist,
    };
  }

  return {
    poolSize,
    /** an hour of one probe on one device (60 runs) */
    hourCell: (a, k) => hour[a][k % poolSize],
    /** a minute of one probe on one device (one run) */
    minuteCell: (a, k) => minute[a][k % poolSize],
    groupCell,
  };
}
