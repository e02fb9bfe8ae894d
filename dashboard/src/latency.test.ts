import type { LiveProbeSample } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { addSamples, chartData, emptyLatency, latestIndexes, pruneLatency, seedLatency } from './latency.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 6, 1, 12, 0, 0);

function sample(app: string, ts: number, totalMs: number, ok = true): LiveProbeSample {
  return { deviceId: 'dev-1', app, ts, ok, totalMs };
}

describe('latency aggregation', () => {
  it('averages successful probes of one app within the same minute', () => {
    const state = addSamples(
      emptyLatency(),
      [sample('Meldewesen', T0 + 1_000, 100), sample('Meldewesen', T0 + 59_000, 300)],
      T0 + 59_500,
    );
    const data = chartData(state, T0 + 59_500);
    expect(data.ys[0]?.at(-1)).toBe(200);
  });

  it('starts a new bucket at the next minute boundary', () => {
    const state = addSamples(
      emptyLatency(),
      [sample('GIS', T0 + 59_999, 100), sample('GIS', T0 + MIN, 400)],
      T0 + MIN + 1,
    );
    const data = chartData(state, T0 + MIN + 1);
    expect(data.ys[0]?.slice(-2)).toEqual([100, 400]);
  });

  it('counts failed probes as errors without pulling the mean towards their timeout', () => {
    const state = addSamples(
      emptyLatency(),
      [sample('Steuer', T0, 50), sample('Steuer', T0 + 10, 10_000, false)],
      T0,
    );
    const bucket = state.apps.get('Steuer')?.get(T0);
    expect(bucket).toMatchObject({ count: 2, errors: 1, okCount: 1, sumMs: 50, maxMs: 50 });
  });

  it('lays out 60 one-minute columns with gaps where an app had no results', () => {
    const now = T0 + 30 * MIN + 5_000;
    const state = addSamples(
      emptyLatency(),
      [sample('A', T0 + 30 * MIN, 10), sample('B', T0 + 10 * MIN, 20)],
      now,
    );
    const data = chartData(state, now);
    expect(data.xs).toHaveLength(60);
    expect(data.xs.at(-1)).toBe((T0 + 30 * MIN) / 1000);
    expect(data.xs[1]! - data.xs[0]!).toBe(60);
    expect(data.apps).toEqual(['A', 'B']);
    expect(data.ys[0]?.filter((y) => y !== null)).toEqual([10]);
    expect(data.ys[1]?.filter((y) => y !== null)).toEqual([20]);
  });

  it('ignores results older than the 60-minute window', () => {
    const now = T0 + 90 * MIN;
    const state = addSamples(emptyLatency(), [sample('A', T0, 10)], now);
    expect(state.apps.size).toBe(0);
  });

  it('drops buckets and apps that slid out of the window', () => {
    const state = addSamples(
      emptyLatency(),
      [sample('A', T0, 10), sample('B', T0 + 30 * MIN, 20)],
      T0 + 30 * MIN,
    );
    const pruned = pruneLatency(state, T0 + 61 * MIN);
    expect([...pruned.apps.keys()]).toEqual(['B']);
  });

  it('seeds history from the server and keeps counting live samples in the current minute', () => {
    const seeded = seedLatency(
      emptyLatency(),
      {
        bucketSec: 60,
        apps: [
          {
            app: 'Meldewesen',
            points: [
              { t: T0, count: 4, errors: 0, avgMs: 100, maxMs: 150 },
              { t: T0 + MIN, count: 3, errors: 1, avgMs: 200, maxMs: 250 },
            ],
          },
        ],
      },
      T0 + MIN + 30_000,
    );
    const live = addSamples(seeded, [sample('Meldewesen', T0 + MIN + 20_000, 500)], T0 + MIN + 30_000);
    const data = chartData(live, T0 + MIN + 30_000);
    // (2 × 200 + 500) / 3 successful probes
    expect(data.ys[0]?.slice(-2)).toEqual([100, 300]);
  });

  it('lets the server history replace live buckets it also covers, so nothing is counted twice', () => {
    const live = addSamples(emptyLatency(), [sample('GIS', T0 + 5_000, 999)], T0 + 10_000);
    const seeded = seedLatency(
      live,
      {
        bucketSec: 60,
        apps: [{ app: 'GIS', points: [{ t: T0, count: 2, errors: 0, avgMs: 40, maxMs: 50 }] }],
      },
      T0 + 10_000,
    );
    expect(chartData(seeded, T0 + 10_000).ys[0]?.at(-1)).toBe(40);
  });

  it('shows a minute in which every probe failed as a gap', () => {
    const seeded = seedLatency(
      emptyLatency(),
      {
        bucketSec: 60,
        apps: [{ app: 'GIS', points: [{ t: T0, count: 2, errors: 2, avgMs: null, maxMs: null }] }],
      },
      T0,
    );
    expect(chartData(seeded, T0).ys[0]?.at(-1)).toBeNull();
  });
});

describe('the chart legend at rest', () => {
  it("shows each application's newest mean, even when it did not report in the current minute", () => {
    const now = T0 + 10 * MIN;
    const state = addSamples(
      emptyLatency(),
      [sample('A', T0 + 10 * MIN, 10), sample('B', T0 + 8 * MIN, 20)],
      now,
    );
    const data = chartData(state, now);
    const [x, a, b] = latestIndexes(data);
    expect(data.ys[0]![a!]).toBe(10);
    expect(data.ys[1]![b!]).toBe(20);
    expect(x).toBe(59);
    expect(b).toBe(57);
  });

  it('has nothing to show before the first result', () => {
    expect(latestIndexes(chartData(emptyLatency(), T0))).toEqual([null]);
  });
});
