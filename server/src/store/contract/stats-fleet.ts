import type { GroupKind, LatencyStats, Observation, ProbeData } from '@lagebild/shared';
import { expect } from 'vitest';
import type { StatsQuery, Store } from '../store.js';
import { enrollDevice } from './harness.js';
import {
  GW1,
  GW2,
  HOUR,
  identity,
  MIN,
  PROBES,
  type ProbeName,
  phasesFor,
  probe,
  SEC,
  T0,
  vpn,
} from './observations.js';

// A small fleet with three hours of probe results whose exact statistics the tests compute from the
// very samples they ingested, independently of the engines' rollup code.

export interface FleetDevice {
  n: number;
  hostname: string;
  gateway: string | null;
  site?: string;
  orgUnit?: string;
  /** how much slower than a wired office notebook */
  slowdown: number;
}

export const FLEET: FleetDevice[] = [
  { n: 1, hostname: 'NB-RATHAUS-0001', gateway: GW1, site: 'Rathaus', orgUnit: 'Bürgeramt', slowdown: 1 },
  {
    n: 2,
    hostname: 'NB-TECHRATHAUS-0002',
    gateway: GW1,
    site: 'Technisches Rathaus',
    orgUnit: 'Bauamt',
    slowdown: 1.2,
  },
  { n: 3, hostname: 'NB-RATHAUS-0003', gateway: GW2, site: 'Rathaus', orgUnit: 'Bürgeramt', slowdown: 1.1 },
  // an office notebook on the LAN: no tunnel, no installation settings
  { n: 4, hostname: 'NB-LAN-0004', gateway: null, slowdown: 0.8 },
];

/** Typical answer times of the two Fachverfahren (ms). */
const BASE_MS: Partial<Record<ProbeName, number>> = { standesamt: 85, bauportal: 240 };
/** Every device runs both probes every two minutes for three hours from T0. */
export const FLEET_FROM = T0;
export const FLEET_TO = T0 + 3 * HOUR;
const ROUNDS = (FLEET_TO - FLEET_FROM) / (2 * MIN);

/** The phase milestones group rollups average (total time is the latency itself). */
export const PHASES = ['dnsMs', 'connectMs', 'tlsMs', 'ttfbMs'] as const;
export type PhaseName = (typeof PHASES)[number];

/** One raw probe result as the tests keep it for computing the exact answers. */
export interface Sample {
  deviceId: string;
  app: string;
  ts: number;
  ok: boolean;
  totalMs: number;
  errorClass: string | null;
  /** the milestones the run measured */
  phases: Partial<Record<PhaseName, number>>;
}

/** The sample a probe observation becomes, as the test keeps it. */
export function sampleOf(deviceId: string, o: Observation): Sample {
  if (o.kind !== 'probe') throw new Error(`not a probe result: ${o.kind}`);
  const p = o as ProbeData & { ts: number };
  const phases: Sample['phases'] = {};
  for (const name of PHASES) {
    const v = p.phases[name];
    if (v !== undefined) phases[name] = v;
  }
  return {
    deviceId,
    app: p.app,
    ts: p.ts,
    ok: p.ok,
    totalMs: p.phases.totalMs,
    errorClass: p.errorClass,
    phases,
  };
}

/** Samples with known groups, for checking answers about data a test ingested by hand. */
export function handFleet(
  samples: Sample[],
  groups: Record<string, Partial<Record<GroupKind, string>>>,
): LoadedFleet {
  return {
    ids: Object.keys(groups),
    samples,
    groupOf: (kind, deviceId) => (kind === 'device' ? deviceId : (groups[deviceId]?.[kind] ?? '')),
  };
}

export interface LoadedFleet {
  ids: string[];
  samples: Sample[];
  /** the group a device belongs to ('' = none); for 'device' its id */
  groupOf(kind: GroupKind, deviceId: string): string;
}

/** Small deterministic PRNG (mulberry32): the same data set on every run and every engine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const tenth = (v: number) => Math.round(v * 10) / 10;

/** Enrolls FLEET, reports identity and tunnel, then ingests 3 h of probe results in batches of 40. */
export async function loadFleet(store: Store, seed = 5): Promise<LoadedFleet> {
  const samples: Sample[] = [];
  const ids: string[] = [];
  const devices = new Map<string, FleetDevice>();
  for (const d of FLEET) {
    const rand = prng(seed * 1000 + d.n);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const id = await enrollDevice(store, d.n, d.hostname, T0 - HOUR);
    ids.push(id);
    devices.set(id, d);
    let seq = 1;
    const setup: Observation[] = [
      identity(seq++, T0 - 10 * MIN, {
        hostname: d.hostname,
        serial: `PF${d.n}XK${d.n}`,
        ...(d.site ? { site: d.site } : {}),
        ...(d.orgUnit ? { orgUnit: d.orgUnit } : {}),
      }),
    ];
    if (d.gateway) setup.push(vpn(seq++, T0 - 10 * MIN + SEC, 'up', { gateway: d.gateway }));
    await store.ingestBatch(id, setup, T0 - 9 * MIN);

    const runs: { ts: number; name: ProbeName }[] = [];
    for (let k = 0; k < ROUNDS; k++) {
      for (const name of ['standesamt', 'bauportal'] as const) {
        runs.push({ ts: FLEET_FROM + k * 2 * MIN + Math.floor(rand() * 119_000), name });
      }
    }
    runs.sort((a, b) => a.ts - b.ts);
    const observations: Observation[] = runs.map(({ ts, name }) => {
      const r = rand();
      let obs: Observation;
      if (r < 0.04) {
        obs = probe(seq++, ts, name, 10_000, { ok: false, errorClass: 'timeout' });
      } else if (r < 0.06) {
        obs = probe(seq++, ts, name, tenth(1 + rand() * 3), { ok: false, errorClass: 'refused' });
      } else if (r < 0.07) {
        // answered with a server error: every phase measured, yet no answered run
        const totalMs = tenth(20 + rand() * 30);
        obs = probe(seq++, ts, name, totalMs, {
          ok: false,
          errorClass: 'http-status',
          status: 503,
          phases: phasesFor(PROBES[name].probeKind, totalMs),
        });
      } else {
        const totalMs = Math.max(1, tenth((BASE_MS[name] ?? 100) * d.slowdown * Math.exp(0.45 * gauss())));
        obs = probe(seq++, ts, name, totalMs);
      }
      samples.push(sampleOf(id, obs));
      return obs;
    });
    for (let i = 0; i < observations.length; i += 40) {
      const batch = observations.slice(i, i + 40);
      await store.ingestBatch(id, batch, (batch[batch.length - 1]?.ts ?? T0) + 1500);
    }
  }
  return {
    ids,
    samples,
    groupOf(kind, deviceId) {
      const d = devices.get(deviceId);
      if (!d) throw new Error(`not a fleet device: ${deviceId}`);
      if (kind === 'device') return deviceId;
      if (kind === 'gateway') return d.gateway ?? '';
      if (kind === 'site') return d.site ?? '';
      if (kind === 'orgUnit') return d.orgUnit ?? '';
      return '';
    },
  };
}

/** The value at rank floor(q · (n − 1)) of the sorted values: what the histogram estimates within 2 %. */
export function exactQuantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.floor(q * (sorted.length - 1))] ?? null;
}

interface ExpectedPoint {
  t: number;
  count: number;
  errors: number;
  answered: number[];
  /** failed runs per error class ('other' when a failed run gave none) */
  classes: Record<string, number>;
  /** the milestones of every answered run that measured them */
  phases: Record<PhaseName, number[]>;
}

/**
 * The answer to `q` computed from the raw samples: a sample counts when the rollup bucket it falls in
 * (minute or hour, by `resolution`) starts within [from floored to that bucket, to]; points are
 * `bucketSec` wide (epoch-aligned), or one point at `from` for bucketSec 0.
 */
export function expectedSeries(
  fleet: LoadedFleet,
  q: StatsQuery,
  resolution: 'minute' | 'hour',
): { app: string; group: string; points: ExpectedPoint[] }[] {
  const width = resolution === 'hour' ? HOUR : MIN;
  const floor = (t: number, w: number) => Math.floor(t / w) * w;
  const fromT = floor(q.from, width);
  const series = new Map<string, { app: string; group: string; points: Map<number, ExpectedPoint> }>();
  for (const s of fleet.samples) {
    const rowT = floor(s.ts, width);
    if (rowT < fromT || rowT > q.to) continue;
    if (q.apps && !q.apps.includes(s.app)) continue;
    const group = fleet.groupOf(q.groupBy, s.deviceId);
    if (q.groups && !q.groups.includes(group)) continue;
    const key = `${s.app}\u0000${group}`;
    let entry = series.get(key);
    if (!entry) {
      entry = { app: s.app, group, points: new Map() };
      series.set(key, entry);
    }
    const t = q.bucketSec > 0 ? floor(rowT, q.bucketSec * 1000) : q.from;
    let point = entry.points.get(t);
    if (!point) {
      point = { t, count: 0, errors: 0, answered: [], classes: {}, phases: emptyPhases() };
      entry.points.set(t, point);
    }
    point.count++;
    if (s.ok) {
      point.answered.push(s.totalMs);
      for (const name of PHASES) {
        const v = s.phases[name];
        if (v !== undefined) point.phases[name].push(v);
      }
    } else {
      point.errors++;
      const c = s.errorClass ?? 'other';
      point.classes[c] = (point.classes[c] ?? 0) + 1;
    }
  }
  return [...series.values()]
    .sort((a, b) => (a.app === b.app ? (a.group < b.group ? -1 : 1) : a.app < b.app ? -1 : 1))
    .map((s) => ({
      app: s.app,
      group: s.group,
      points: [...s.points.values()]
        .sort((a, b) => a.t - b.t)
        .map((p) => ({ ...p, answered: [...p.answered].sort((x, y) => x - y) })),
    }));
}

const emptyPhases = (): Record<PhaseName, number[]> => ({ dnsMs: [], connectMs: [], tlsMs: [], ttfbMs: [] });

/** The mean of each milestone over the runs that measured it; null where none did. */
export function meanPhases(phases: Record<PhaseName, number[]>): Record<PhaseName, number | null> {
  const mean = (v: number[]) => (v.length > 0 ? v.reduce((x, y) => x + y, 0) / v.length : null);
  return {
    dnsMs: mean(phases.dnsMs),
    connectMs: mean(phases.connectMs),
    tlsMs: mean(phases.tlsMs),
    ttfbMs: mean(phases.ttfbMs),
  };
}

const within2pct = (actual: number | null, exact: number | null) =>
  actual === exact || (actual !== null && exact !== null && Math.abs(actual - exact) <= 0.02 * exact + 1e-9);

/**
 * Checks an engine's answer against the raw samples: series, buckets, count, errors, min and max
 * exactly; the average to floating-point precision; p50/p95/p99 within 2 % of the exact values. Group
 * points (not device points, which have neither) also carry the failed runs per error class exactly
 * and the mean phase milestones of answered runs to floating-point precision.
 * Returns the number of samples the answer covers (so a test can tell it was not vacuous).
 */
export function checkStats(
  actual: LatencyStats,
  fleet: LoadedFleet,
  q: StatsQuery,
  resolution: 'minute' | 'hour',
): number {
  const expected = expectedSeries(fleet, q, resolution);
  expect({
    groupBy: actual.groupBy,
    from: actual.from,
    to: actual.to,
    bucketSec: actual.bucketSec,
    resolution: actual.resolution,
  }).toEqual({
    groupBy: q.groupBy,
    from: q.from,
    to: q.to,
    bucketSec: q.bucketSec > 0 ? q.bucketSec : Math.ceil((q.to - q.from) / 1000),
    resolution,
  });
  const exact = (
    points: { t: number; count: number; errors: number; minMs: number | null; maxMs: number | null }[],
  ) => points.map(({ t, count, errors, minMs, maxMs }) => ({ t, count, errors, minMs, maxMs }));
  expect(actual.series.map((s) => ({ app: s.app, group: s.group, points: exact(s.points) }))).toEqual(
    expected.map((s) => ({
      app: s.app,
      group: s.group,
      points: s.points.map((p) => ({
        t: p.t,
        count: p.count,
        errors: p.errors,
        minMs: p.answered[0] ?? null,
        maxMs: p.answered[p.answered.length - 1] ?? null,
      })),
    })),
  );
  let covered = 0;
  expected.forEach((e, i) => {
    e.points.forEach((p, j) => {
      const a = actual.series[i]?.points[j];
      const where = `${e.app}/${e.group || '(none)'} @ ${new Date(p.t).toISOString()}`;
      const sum = p.answered.reduce((x, y) => x + y, 0);
      const avg = p.answered.length > 0 ? sum / p.answered.length : null;
      if (avg === null) expect(a?.avgMs, `avg ${where}`).toBeNull();
      else expect(a?.avgMs, `avg ${where}`).toBeCloseTo(avg, 6);
      for (const [q, field] of [
        [0.5, 'p50Ms'],
        [0.95, 'p95Ms'],
        [0.99, 'p99Ms'],
      ] as const) {
        const want = exactQuantile(p.answered, q);
        const got = a?.[field] ?? null;
        expect(within2pct(got, want), `${field} ${where}: ${got} vs exact ${want}`).toBe(true);
      }
      if (q.groupBy === 'device') {
        expect(a && 'errorClasses' in a, `device point has no error classes ${where}`).toBe(false);
        expect(a && 'phases' in a, `device point has no phases ${where}`).toBe(false);
      } else {
        expect(a?.errorClasses, `error classes ${where}`).toEqual(p.classes);
        const means = meanPhases(p.phases);
        expect(Object.keys(a?.phases ?? {}).sort(), `phases ${where}`).toEqual([...PHASES].sort());
        for (const name of PHASES) {
          const want = means[name];
          const got = a?.phases?.[name];
          if (want === null) expect(got, `${name} ${where}`).toBeNull();
          else expect(got, `${name} ${where}`).toBeCloseTo(want, 6);
        }
      }
      covered += p.count;
    });
  });
  return covered;
}
