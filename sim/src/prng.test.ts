import { describe, expect, it } from 'vitest';
import { createRng, hash32 } from './prng.js';

const draw = (seed: number, n = 50) => {
  const rng = createRng(seed, 'test');
  return Array.from({ length: n }, () => rng.next());
};

describe('prng', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draw(7)).toEqual(draw(7));
  });

  it('gives a different sequence for a different seed or stream', () => {
    expect(draw(7)).not.toEqual(draw(8));
    const a = createRng(7, 0, 'behaviour');
    const b = createRng(7, 0, 'jitter');
    expect(a.next()).not.toBe(b.next());
  });

  it('spreads uniformly over [0, 1)', () => {
    const values = draw(3, 20_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const buckets = new Array(10).fill(0);
    for (const v of values) buckets[Math.floor(v * 10)]++;
    for (const b of buckets) expect(b).toBeGreaterThan(1_800);
  });

  it('draws log-normal values around the given median', () => {
    const rng = createRng(1, 'lognormal');
    const values = Array.from({ length: 10_001 }, () => rng.logNormal(200, 0.5)).sort((x, y) => x - y);
    const median = values[5_000] as number;
    expect(median).toBeGreaterThan(190);
    expect(median).toBeLessThan(210);
    expect(values[0]).toBeGreaterThan(0);
  });

  it('picks weighted choices in proportion', () => {
    const rng = createRng(2, 'weighted');
    let heads = 0;
    for (let i = 0; i < 10_000; i++)
      if (
        rng.weighted([
          ['a', 85],
          ['b', 15],
        ]) === 'a'
      )
        heads++;
    expect(heads / 10_000).toBeCloseTo(0.85, 1);
  });

  it('hashes the same parts to the same number and different parts apart', () => {
    expect(hash32('x', 1)).toBe(hash32('x', 1));
    expect(hash32('x', 1)).not.toBe(hash32('x', 2));
  });
});
