import { describe, expect, it } from 'vitest';
import { SelfUsage } from './self-usage.js';

describe("the agent's own footprint", () => {
  it('gives the CPU share between two samples in % of one core, and the RSS in MB', () => {
    let cpu = 1_000_000;
    let ms = 5_000;
    const self = new SelfUsage({ cpuMicros: () => cpu, monotonicMs: () => ms, rssBytes: () => 92_274_688 });
    cpu += 300_000; // 0.3 s of CPU in 60 s
    ms += 60_000;
    expect(self.sample()).toEqual({ cpuPct: 0.5, rssMb: 88 });
    cpu += 12_000_000; // two threads busy for 6 s each: 12 s of CPU in 6 s
    ms += 6_000;
    expect(self.sample().cpuPct).toBe(200);
  });

  it('gives no CPU share for a window too short to mean anything, and covers it with the next sample', () => {
    let cpu = 0;
    let ms = 0;
    const self = new SelfUsage({ cpuMicros: () => cpu, monotonicMs: () => ms, rssBytes: () => 0 });
    cpu += 900_000; // start-up: 0.9 s of CPU in the first second
    ms += 1_000;
    expect(self.sample().cpuPct).toBeNull();
    cpu += 100_000;
    ms += 99_000;
    expect(self.sample().cpuPct).toBe(1);
    expect(self.sample().cpuPct).toBeNull();
  });

  it('measures this very process when given nothing', async () => {
    const self = new SelfUsage({ minWindowMs: 0 });
    const end = performance.now() + 50;
    while (performance.now() < end) Math.sqrt(Math.random()); // keep one core busy for 50 ms
    const s = self.sample();
    expect(s.cpuPct).toBeGreaterThan(20);
    expect(s.rssMb).toBeGreaterThan(10);
  });
});
