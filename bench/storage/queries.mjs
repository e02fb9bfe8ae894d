// Query latencies on the generated history through the Store interface: each case is warmed up,
// then run `runs` times; cases take turns run by run so that noise from other work on the machine
// spreads over all of them. Every answer is checked for content, so an empty result cannot pass as fast.

import { APPS, DAY_MS, HOUR_MS } from './dataset.mjs';
import { log } from './progress.mjs';

export const TARGET_MS = { fleet: 50, detail: 100, app: 200 };

function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return {
    runs: s.length,
    median: quantile(s, 0.5),
    p95: quantile(s, 0.95),
    min: s[0],
    max: s[s.length - 1],
  };
}

function check(cond, what) {
  if (!cond) throw new Error(`query check failed: ${what}`);
}

async function timed(parts, name, fn) {
  const s = process.hrtime.bigint();
  const r = await fn();
  const ms = Number(process.hrtime.bigint() - s) / 1e6;
  parts[name] = (parts[name] ?? 0) + ms;
  return r;
}

/** The measured cases; `i` rotates devices and applications between runs. */
export function queryCases(store, fleet, now) {
  const devs = fleet.detailDevices();
  const app = (i) => APPS[i % APPS.length].name;
  const stats = (parts, name, q) =>
    timed(parts, name, async () => {
      const r = await store.latencyStats(q);
      check(r.series.length > 0 && r.series.every((s) => s.points.length > 0), `${name} returned no series`);
      return r;
    });
  const appCase = (groupBy, bucketSec) => ({
    name: `app p95 per ${groupBy}, 30 d, ${bucketSec === 0 ? 'one total' : 'daily buckets'}`,
    kind: 'app',
    async run(i, parts) {
      const r = await stats(parts, 'latencyStats', {
        from: now - 30 * DAY_MS,
        to: now,
        bucketSec,
        groupBy,
        apps: [app(i)],
      });
      check(
        r.series.every((s) => s.app === app(i)),
        'series of another app',
      );
      check(
        r.series.some((s) => s.points.some((p) => p.p95Ms !== null)),
        'no p95 at all',
      );
    },
  });
  return [
    {
      name: 'fleet overview (fleetCounts + first 100 of listDevices)',
      kind: 'fleet',
      async run(_i, parts) {
        const c = await timed(parts, 'fleetCounts', () => store.fleetCounts(now));
        check(c.devices === fleet.devices, `fleetCounts.devices = ${c.devices}`);
        const l = await timed(parts, 'listDevices', () => store.listDevices({ limit: 100, offset: 0 }));
        check(
          l.total === fleet.devices && l.devices.length === Math.min(100, fleet.devices),
          'listDevices page',
        );
      },
    },
    {
      name: 'device detail, 7 d (deviceDetail + hourly latencyStats of the device)',
      kind: 'detail',
      async run(i, parts) {
        const { id, worked } = devs[i % devs.length];
        const d = await timed(parts, 'deviceDetail', () => store.deviceDetail(id, 50));
        check(d && d.id === id && d.events.length > 0 && d.events.length <= 50, 'deviceDetail events');
        check(d.probes.length === (worked ? APPS.length : 0), 'deviceDetail latest probes');
        const r = await stats(parts, 'latencyStats', {
          from: now - 7 * DAY_MS,
          to: now,
          bucketSec: HOUR_MS / 1000,
          groupBy: 'device',
          groups: [id],
        });
        check(r.series.length === APPS.length && r.series.every((s) => s.group === id), 'device series');
      },
    },
    appCase('gateway', 0),
    appCase('gateway', 86_400),
    appCase('site', 0),
    appCase('site', 86_400),
  ];
}

export async function runQueries(store, fleet, now, { runs, warmup }) {
  const cases = queryCases(store, fleet, now);
  const times = cases.map(() => []);
  const parts = cases.map(() => ({}));
  for (let i = 0; i < warmup; i++) for (const c of cases) await c.run(i, {});
  log(`  warm-up done (${warmup} runs per case), measuring ${runs} runs per case`);
  for (let i = 0; i < runs; i++) {
    for (const [n, c] of cases.entries()) {
      const s = process.hrtime.bigint();
      await c.run(i, parts[n]);
      times[n].push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  }
  return cases.map((c, n) => {
    const r = {
      name: c.name,
      kind: c.kind,
      targetMs: TARGET_MS[c.kind],
      ...summarize(times[n]),
      // mean milliseconds per run of each store call the case makes
      partsMeanMs: Object.fromEntries(Object.entries(parts[n]).map(([k, v]) => [k, v / runs])),
    };
    log(
      `  ${c.name}: median ${r.median.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms (target ${r.targetMs} ms)` +
        ` [${Object.entries(r.partsMeanMs)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}]`,
    );
    return r;
  });
}
