import { TokenBucket } from './token-bucket.js';

export interface AdmissionLimits {
  /** new agent connections accepted per second, on average */
  connectRatePerSec: number;
  /** connections accepted at once above the rate (a short burst) */
  connectBurst: number;
  /** connections between upgrade and welcome (hello parsing, token check) at one time */
  maxPendingHellos: number;
  /** refused clients are told to retry at a random time within this window, so they come back spread out */
  retryWindowMs: number;
}

export type Admit = { ok: true; release: () => void } | { ok: false; retryAfterMs: number; reason: string };

/**
 * Admission control for agent connections: a fleet that reconnects at once after a restart is let in
 * at a steady rate; the rest are told to come back at random times within a window.
 */
export class Admission {
  private readonly bucket: TokenBucket;
  private pending = 0;
  /** refused so far (for logs and tests) */
  refused = 0;
  /** admitted so far (for /metrics) */
  admitted = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.bucket = new TokenBucket(limits.connectRatePerSec, limits.connectBurst, now);
  }

  /** Hellos being worked on now. */
  get pendingHellos(): number {
    return this.pending;
  }

  /** Admits a new connection (call `release` once its hello is done or it closed) or says when to retry. */
  admit(): Admit {
    if (this.pending >= this.limits.maxPendingHellos) return this.refuse('too many connections saying hello');
    if (!this.bucket.take()) return this.refuse('too many new connections');
    this.pending++;
    this.admitted++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.pending--;
      },
    };
  }

  /** A retry time spread over the window, never sooner than the bucket could admit anyone. */
  retryAfterMs(): number {
    const floor = this.bucket.waitMs();
    return floor + Math.floor(this.random() * this.limits.retryWindowMs);
  }

  private refuse(reason: string): Admit {
    this.refused++;
    return { ok: false, retryAfterMs: this.retryAfterMs(), reason };
  }
}
