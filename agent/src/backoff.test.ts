import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('reconnect backoff', () => {
  it('doubles the ceiling from 1 s up to 60 s', () => {
    const b = new Backoff({ random: () => 1 });
    expect(Array.from({ length: 9 }, () => b.next())).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('spreads reconnects over the whole window (full jitter)', () => {
    const b = new Backoff({ random: () => 0.25 });
    b.next();
    b.next();
    expect(b.next()).toBe(1000);
  });

  it('starts short again after a reset', () => {
    const b = new Backoff({ random: () => 1 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(1000);
  });

  it('waits at least as long as the server asked', () => {
    expect(new Backoff({ random: () => 0.1 }).next(30_000)).toBe(30_000);
  });
});
