/** One round trip to the server that carried the server's clock. */
interface RoundTrip {
  rttMs: number;
  offsetMs: number;
}

export interface ClockOffsetOptions {
  /** how many recent round trips to keep; the one with the shortest round trip wins */
  keep?: number;
}

/**
 * Estimates how far the local clock is ahead of the server's (positive: local clock is fast) from frames
 * that carry `serverTime`: offset = local midpoint of the round trip − serverTime. The server's reading
 * falls somewhere inside the round trip, so the error is at most half of it; the shortest round trip of the
 * last N is the best estimate (as NTP's clock filter does).
 */
export class ClockOffset {
  private readonly keep: number;
  private readonly trips: RoundTrip[] = [];

  constructor(options: ClockOffsetOptions = {}) {
    this.keep = Math.max(1, options.keep ?? 8);
  }

  /**
   * Adds a round trip: `sentAt` when the request left (local epoch ms), `receivedAt` when the answer
   * arrived, `serverTime` the server's clock in the answer. A negative round trip (the local clock was set
   * meanwhile) is ignored.
   */
  add(sentAt: number, receivedAt: number, serverTime: number): void {
    const rttMs = receivedAt - sentAt;
    if (!Number.isFinite(rttMs) || rttMs < 0 || !Number.isFinite(serverTime)) return;
    this.trips.push({ rttMs, offsetMs: sentAt + rttMs / 2 - serverTime });
    if (this.trips.length > this.keep) this.trips.shift();
  }

  /** Local clock minus server clock in ms (rounded), or null before the first round trip. */
  offsetMs(): number | null {
    let best: RoundTrip | undefined;
    for (const t of this.trips) if (!best || t.rttMs < best.rttMs) best = t;
    return best ? Math.round(best.offsetMs) : null;
  }

  /** Half the round trip of the estimate in use: how wrong it can be at most. */
  uncertaintyMs(): number | null {
    let best: number | undefined;
    for (const t of this.trips) if (best === undefined || t.rttMs < best) best = t.rttMs;
    return best === undefined ? null : best / 2;
  }

  /** Forgets every round trip, e.g. after the notebook slept (its clock may have been corrected since). */
  reset(): void {
    this.trips.length = 0;
  }
}
