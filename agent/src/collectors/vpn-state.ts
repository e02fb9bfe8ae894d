import type { VpnState } from '@lagebild/shared';

const HOUR_MS = 3_600_000;

export interface VpnStateTrackerOptions {
  /** a pause between two observations longer than this (and 3× the usual rhythm) means the notebook slept */
  minGapMs?: number;
  /** after waking, VPN clients reconnect: changes in this window are reported but not counted as flaps */
  settleMs?: number;
}

/** What one observation means for the reported state. */
export interface StateStep {
  /** the state differs from the one before */
  change: boolean;
  /** when the current state was first seen */
  since: number;
  /** state changes in the last hour, not counting those caused by sleep and wake-up */
  changesLastHour: number;
  /** this observation is the first after a sleep (or a long stall) */
  resumed: boolean;
}

/**
 * Keeps `since` and the flap count of the VPN state from wall-clock times. Sleep shows as a long gap
 * between observations: a state reached while asleep, and the reconnect right after waking, are
 * real changes but not flaps, so they do not count.
 */
export class VpnStateTracker {
  private readonly minGapMs: number;
  private readonly settleMs: number;
  private state: VpnState | null = null;
  private since = 0;
  private lastAt: number | null = null;
  private usualGap: number | null = null;
  private settleUntil = Number.NEGATIVE_INFINITY;
  private flaps: number[] = [];

  constructor(o: VpnStateTrackerOptions = {}) {
    this.minGapMs = o.minGapMs ?? 30_000;
    this.settleMs = o.settleMs ?? 60_000;
  }

  /**
   * Records the state seen at `now` (ms since the epoch). `resumedAt` is the last wake-up the agent's
   * sleep detector saw; without one, a long gap between observations counts as sleep.
   */
  observe(state: VpnState, now: number, resumedAt?: number): StateStep {
    const gap = this.lastAt === null ? null : now - this.lastAt;
    const longGap =
      gap !== null && this.usualGap !== null && gap > Math.max(this.minGapMs, 3 * this.usualGap);
    const woke = resumedAt !== undefined && this.lastAt !== null && resumedAt > this.lastAt;
    const resumed = longGap || woke;
    if (gap !== null && gap >= 0 && !resumed) this.usualGap = gap;
    // a clock set backwards would leave flaps "in the future" that never expire
    if (gap !== null && gap < 0) this.flaps = this.flaps.filter((t) => t <= now);
    this.lastAt = now;
    if (resumed) this.settleUntil = now + this.settleMs;

    const change = this.state !== null && state !== this.state;
    if (this.state === null || change) {
      this.state = state;
      this.since = now;
    }
    if (change && now >= this.settleUntil) this.flaps.push(now);
    this.flaps = this.flaps.filter((t) => now - t < HOUR_MS);
    return { change, since: this.since, changesLastHour: this.flaps.length, resumed };
  }
}
