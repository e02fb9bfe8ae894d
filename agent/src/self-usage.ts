/** The agent's own footprint between two samples. */
export interface SelfUsageSample {
  /** CPU time used per wall time, in % of one core (two busy threads make 200); null for too short a window */
  cpuPct: number | null;
  /** resident set size in MB */
  rssMb: number;
}

export interface SelfUsageOptions {
  /** user + system CPU time of this process in µs */
  cpuMicros?: () => number;
  rssBytes?: () => number;
  /** monotonic milliseconds: a wall-clock step must not distort the share */
  monotonicMs?: () => number;
  /**
   * Shortest window a CPU share is given for (default 5 s): right after start the agent loads its modules
   * and runs every collector at once, which says nothing about its steady cost.
   */
  minWindowMs?: number;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Measures the agent's own CPU share (process.cpuUsage deltas over monotonic time) and RSS. */
export class SelfUsage {
  private readonly cpuMicros: () => number;
  private readonly rssBytes: () => number;
  private readonly monotonicMs: () => number;
  private readonly minWindowMs: number;
  private lastCpu: number;
  private lastAt: number;

  constructor(o: SelfUsageOptions = {}) {
    this.cpuMicros =
      o.cpuMicros ??
      (() => {
        const u = process.cpuUsage();
        return u.user + u.system;
      });
    this.rssBytes = o.rssBytes ?? (() => process.memoryUsage.rss());
    this.monotonicMs = o.monotonicMs ?? (() => performance.now());
    this.minWindowMs = o.minWindowMs ?? 5_000;
    this.lastCpu = this.cpuMicros();
    this.lastAt = this.monotonicMs();
  }

  /**
   * CPU share since the previous sample (or since construction) and the current RSS. A window shorter than
   * `minWindowMs` gives no share and does not end the window, so the next sample covers it.
   */
  sample(): SelfUsageSample {
    const rssMb = round1(this.rssBytes() / 1_048_576);
    const cpu = this.cpuMicros();
    const at = this.monotonicMs();
    const wallMs = at - this.lastAt;
    if (wallMs <= 0 || wallMs < this.minWindowMs) return { cpuPct: null, rssMb };
    const cpuPct = Math.max(0, (cpu - this.lastCpu) / 1000 / wallMs) * 100;
    this.lastCpu = cpu;
    this.lastAt = at;
    return { cpuPct: Math.round(cpuPct * 100) / 100, rssMb };
  }
}
