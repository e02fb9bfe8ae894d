import { uptime } from 'node:os';

/** A detected sleep (suspend or hibernate) of the notebook. */
export interface Resume {
  /** how long the notebook slept, in ms */
  sleptMs: number;
  /** wall-clock time the resume was noticed */
  at: number;
}

export interface SleepDetectorOptions {
  /** how often the clocks are compared (default 5 s) */
  periodMs?: number;
  /** a gap of at least this much unexplained time counts as sleep (default 10 s) */
  thresholdMs?: number;
  wallMs?: () => number;
  /** monotonic ms (performance.now): stops while Linux and macOS sleep; on Windows it may run on */
  monotonicMs?: () => number;
  /**
   * A clock that runs through sleep but is not stepped like the wall clock, so an NTP correction is not
   * taken for sleep. Default: CLOCK_BOOTTIME via os.uptime() on Linux; elsewhere the wall clock is used.
   */
  bootMs?: (() => number) | null;
  /** whether the monotonic clock stops during sleep; if so an event-loop stall is never taken for sleep */
  monotonicStopsInSleep?: boolean;
}

/**
 * Notices that the notebook slept by comparing how much time passed (wall or boot clock) with how long the
 * agent was awake (monotonic clock, or the timer period when the monotonic clock ran on), on a cheap timer.
 * Listeners run right after resume, e.g. to measure everything again at once.
 */
export class SleepDetector {
  private readonly periodMs: number;
  private readonly thresholdMs: number;
  private readonly wallMs: () => number;
  private readonly monotonicMs: () => number;
  private readonly bootMs: (() => number) | null;
  private readonly stops: boolean;
  private readonly listeners = new Set<(r: Resume) => void>();
  private last: { wall: number; mono: number; boot: number | null };
  private latest: Resume | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(o: SleepDetectorOptions = {}) {
    this.periodMs = o.periodMs ?? 5_000;
    this.thresholdMs = o.thresholdMs ?? 10_000;
    this.wallMs = o.wallMs ?? Date.now;
    this.monotonicMs = o.monotonicMs ?? (() => performance.now());
    this.bootMs =
      o.bootMs !== undefined ? o.bootMs : process.platform === 'linux' ? () => uptime() * 1000 : null;
    this.stops = o.monotonicStopsInSleep ?? process.platform !== 'win32';
    this.last = this.read();
  }

  /** Calls `listener` after every detected sleep; returns the function that removes it. */
  onResume(listener: (r: Resume) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the timer; it does not keep the process alive. */
  start(): this {
    this.stop();
    this.last = this.read();
    this.timer = setInterval(() => this.check(), this.periodMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Compares the clocks now. The timer calls it; a collector may call it too before judging a state, so a
   * tunnel that went down while the lid was closed is seen after the resume, not before it.
   */
  check(): Resume | null {
    const now = this.read();
    const prev = this.last;
    this.last = now;
    const elapsed = now.boot !== null && prev.boot !== null ? now.boot - prev.boot : now.wall - prev.wall;
    const awake = now.mono - prev.mono;
    // a monotonic clock that ran on through sleep shows up as a timer that fired late
    const sleptMs = Math.round(elapsed - (this.stops ? awake : Math.min(awake, this.periodMs)));
    if (sleptMs < this.thresholdMs) return null;
    const resume = { sleptMs, at: now.wall };
    this.latest = resume;
    for (const l of this.listeners) {
      try {
        l(resume);
      } catch {
        // one failing listener must neither stop the others nor crash the timer
      }
    }
    return resume;
  }

  /** The last detected sleep. */
  lastResume(): Resume | undefined {
    return this.latest;
  }

  /** Whether the notebook woke up within the last `ms` (e.g. so a tunnel still reconnecting is no flap). */
  resumedWithin(ms: number): boolean {
    return this.latest !== undefined && this.wallMs() - this.latest.at <= ms;
  }

  private read() {
    return { wall: this.wallMs(), mono: this.monotonicMs(), boot: this.bootMs ? this.bootMs() : null };
  }
}
