import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkWatch, networkSignature } from './network-watch.js';

describe('network change watch', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tells its listeners once when an address appears or goes away, and not while nothing changes', () => {
    vi.useFakeTimers();
    let current = 'wlan0 192.168.178.20';
    const watch = new NetworkWatch({ intervalMs: 1000, read: () => current });
    const seen: number[] = [];
    watch.onChange(() => seen.push(Date.now()));
    watch.start();
    vi.advanceTimersByTime(5000);
    expect(seen).toHaveLength(0);
    current = 'wg0 10.8.0.2\nwlan0 192.168.178.20';
    vi.advanceTimersByTime(1000);
    expect(seen).toHaveLength(1);
    vi.advanceTimersByTime(5000);
    expect(seen).toHaveLength(1);
    current = 'wlan0 192.168.178.20';
    vi.advanceTimersByTime(1000);
    expect(seen).toHaveLength(2);
    watch.stop();
  });

  it('reads this machine without internal addresses', () => {
    expect(networkSignature()).not.toMatch(/127\.0\.0\.1/);
  });
});
