import { describe, expect, it } from 'vitest';
import { Admission } from './admission.js';
import { TokenBucket } from './token-bucket.js';

describe('token bucket', () => {
  it('lets a burst through, then one token per 1/rate seconds', () => {
    let t = 0;
    const bucket = new TokenBucket(10, 3, () => t);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    expect(bucket.waitMs()).toBe(100);
    t += 100;
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });
});

describe('admission', () => {
  it('refuses beyond the pending-hello limit until a slot is released', () => {
    const a = new Admission({
      connectRatePerSec: 1000,
      connectBurst: 1000,
      maxPendingHellos: 2,
      retryWindowMs: 1000,
    });
    const first = a.admit();
    const second = a.admit();
    const third = a.admit();
    expect([first.ok, second.ok, third.ok]).toEqual([true, true, false]);
    if (first.ok) first.release();
    if (first.ok) first.release(); // twice is harmless
    expect(a.pendingHellos).toBe(1);
    expect(a.admit().ok).toBe(true);
  });

  it('spreads the retry times of refused clients over the window', () => {
    let r = 0;
    const a = new Admission(
      { connectRatePerSec: 1, connectBurst: 1, maxPendingHellos: 100, retryWindowMs: 10_000 },
      () => 0,
      () => (r = (r + 0.37) % 1),
    );
    a.admit();
    const retries = Array.from({ length: 20 }, () => {
      const x = a.admit();
      return x.ok ? -1 : x.retryAfterMs;
    });
    expect(Math.min(...retries)).toBeGreaterThanOrEqual(1000);
    expect(new Set(retries).size).toBeGreaterThan(5);
    expect(Math.max(...retries) - Math.min(...retries)).toBeGreaterThan(5000);
  });
});
