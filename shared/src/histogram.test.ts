import { describe, expect, it } from 'vitest';
import { HISTOGRAM_RELATIVE_ERROR, Histogram } from './histogram.js';

/** A small deterministic PRNG so failures can be reproduced. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const exact = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

const distributions: [string, (r: () => number) => number][] = [
  [
    'log-normal latencies around 80 ms',
    (r) => Math.exp(Math.log(80) + 0.8 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
  ],
  ['uniform 0.5–5,000 ms', (r) => 0.5 + r() * 4999.5],
  ['exponential with a long tail', (r) => -Math.log(1 - r()) * 150],
  ['bimodal: fast cache hits and slow backend calls', (r) => (r() < 0.7 ? 2 + r() * 3 : 900 + r() * 2000)],
];

describe('log-bucket histogram', () => {
  it.each(distributions)('estimates p50, p95 and p99 of %s within 2 %%', (_name, draw) => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const values = Array.from({ length: 20_000 }, () => draw(r));
      const h = new Histogram();
      for (const v of values) h.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
        const want = exact(sorted, q);
        const got = h.quantile(q)!;
        expect(Math.abs(got - want) / want, `seed ${seed} q ${q}: ${got} vs ${want}`).toBeLessThanOrEqual(
          HISTOGRAM_RELATIVE_ERROR + 1e-12,
        );
      }
    }
  });

  it('merges: the sum of per-device histograms answers like one histogram of all values', () => {
    const r = rng(7);
    const all = new Histogram();
    const merged = new Histogram();
    for (let device = 0; device < 50; device++) {
      const h = new Histogram();
      const slow = device % 10 === 0 ? 5 : 1;
      for (let i = 0; i < 200; i++) {
        const v = (20 + r() * 200) * slow;
        h.add(v);
        all.add(v);
      }
      merged.merge(Histogram.from(JSON.parse(JSON.stringify(h))));
    }
    expect(merged.count).toBe(10_000);
    for (const q of [0.5, 0.95, 0.99]) expect(merged.quantile(q)).toBe(all.quantile(q));
    expect(merged.toJSON()).toEqual(all.toJSON());
  });

  it('counts zero-ish values apart and reports them as 0', () => {
    const h = new Histogram().add(0, 90).add(100, 10);
    expect(h.quantile(0.5)).toBe(0);
    expect(h.quantile(0.95)).toBeCloseTo(100, -1);
  });

  it('has no answer when empty and refuses values it cannot hold', () => {
    expect(new Histogram().quantile(0.5)).toBeNull();
    expect(() => new Histogram().add(-1)).toThrow(RangeError);
    expect(() => new Histogram().add(Number.NaN)).toThrow(RangeError);
    expect(() => new Histogram().quantile(1.5)).toThrow(RangeError);
  });

  it('stays small: a day of one probe per minute fits in a few hundred numbers', () => {
    const r = rng(11);
    const h = new Histogram();
    for (let i = 0; i < 1440; i++) h.add(30 + r() * 470);
    expect(h.toJSON().counts.length).toBeLessThan(100);
  });

  it('encodes to compact bytes and decodes to the same counts, merging as it reads', () => {
    const r = rng(13);
    const h = new Histogram().add(0, 3);
    for (let i = 0; i < 60; i++) h.add(40 + r() * 60);
    h.add(0.5).add(250_000, 2);
    const bytes = h.encode();
    expect(bytes.length).toBeLessThan(80);
    expect(Histogram.decode(bytes).toJSON()).toEqual(h.toJSON());
    const twice = Histogram.decode(bytes).mergeEncoded(bytes);
    expect(twice.count).toBe(2 * h.count);
    expect(twice.quantile(0.5)).toBe(h.quantile(0.5));
    expect(Histogram.decode(new Histogram().encode()).count).toBe(0);
  });

  it('adds by bucket index exactly as by value', () => {
    const r = rng(17);
    const byValue = new Histogram();
    const byIndex = new Histogram();
    for (let i = 0; i < 500; i++) {
      const v = i % 50 === 0 ? 0 : r() * 3000;
      byValue.add(v);
      byIndex.addToBucket(Histogram.bucketIndex(v));
    }
    expect(byIndex.toJSON()).toEqual(byValue.toJSON());
    expect(byIndex.count).toBe(500);
    expect(() => Histogram.bucketIndex(-1)).toThrow(RangeError);
  });

  it('refuses bytes that are not an encoded histogram', () => {
    const good = new Histogram().add(12).add(300).encode();
    expect(() => Histogram.decode(new Uint8Array([9, 0, 0]))).toThrow(/format byte/);
    expect(() => Histogram.decode(good.subarray(0, good.length - 1))).toThrow(/truncated/);
    expect(() => Histogram.decode(Uint8Array.from([...good, 0]))).toThrow(/trailing/);
  });
});
