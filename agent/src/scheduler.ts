import type { ObservationData } from '@lagebild/shared';
import { type Clock, type CollectOptions, type Collector, messageOf, systemClock } from './collector.js';

/** A collector and how often it runs. */
export interface ScheduledCollector {
  collector: Collector;
  intervalMs: number;
  /** a run without a result after this long is abandoned and reported; default: the scheduler's `timeoutMs` */
  timeoutMs?: number;
  /**
   * Each run starts up to this share of the interval late, at a random point (0 = on the dot). Probes use
   * it so a fleet started at once does not probe in lock-step.
   */
  jitter?: number;
}

/** An observation with its measurement time, before it gets a sequence number. */
export interface Stamped {
  ts: number;
  data: ObservationData;
}

export type Sink = (items: Stamped[]) => void;

/** Default time a collector run may take before it is abandoned. */
export const DEFAULT_COLLECTOR_TIMEOUT_MS = 10_000;
/** A collector that keeps failing is reported at most this often (one `collector-failed` observation). */
export const FAILURE_REPORT_INTERVAL_MS = 15 * 60_000;
/**
 * Abandoned runs of one collector that may still be pending before the scheduler stops starting new
 * ones: a collector that hangs for good must not pile up a promise every few seconds.
 */
export const MAX_ABANDONED_RUNS = 3;

export interface SchedulerOptions {
  sink: Sink;
  now?: Clock;
  /**
   * Called for every failed or abandoned run. `reported` is true when this failure also went out as a
   * `collector-failed` observation (at most once per collector per `failureReportMs` while it keeps
   * failing): log those loudly and the rest quietly.
   */
  onError?: (collector: string, error: unknown, reported: boolean) => void;
  /** called when a collector that failed delivers again, with the number of failed runs */
  onRecover?: (collector: string, failedRuns: number) => void;
  /** default per-run timeout (10 s) */
  timeoutMs?: number;
  failureReportMs?: number;
  /** random numbers in [0, 1) for jitter; tests pass a fixed sequence */
  random?: () => number;
}

/** Thrown into `onError` when a run gave no result in time. */
export class CollectorTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no result within ${timeoutMs} ms; run abandoned`);
    this.name = 'CollectorTimeoutError';
  }
}

/** Settles like `work`, or rejects with CollectorTimeoutError after `timeoutMs` (the work is left to itself). */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CollectorTimeoutError(timeoutMs)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

interface Failing {
  since: number;
  runs: number;
  lastReported: number;
}

interface Entry {
  collector: Collector;
  intervalMs: number;
  timeoutMs: number;
  jitter: number;
  /** cancels the pending timer */
  cancel?: () => void;
  /** the run in progress; settles at its result or at its timeout, whichever comes first */
  running?: Promise<ObservationData[]>;
  /** nominal (unjittered) start of the last run: the grid later runs keep to */
  anchor?: number;
  /** nominal start of the run the pending timer is for */
  pendingNominal?: number;
  /** abandoned runs whose promise has not settled yet */
  abandoned: number;
  failing?: Failing;
  /** after a failure the next run reports its state even when unchanged, so nothing stays unsaid */
  forceNext: boolean;
}

/**
 * Runs each collector at its interval, never two runs of one collector at once, stamps the results
 * with the time the run started and hands them to the sink. A run that throws or hangs is cut off at
 * its timeout and reported; it never delays other collectors.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly sink: Sink;
  private readonly now: Clock;
  private readonly onError: NonNullable<SchedulerOptions['onError']>;
  private readonly onRecover: NonNullable<SchedulerOptions['onRecover']>;
  private readonly timeoutMs: number;
  private readonly failureReportMs: number;
  private readonly random: () => number;
  private stopped = false;

  constructor(options: SchedulerOptions) {
    this.sink = options.sink;
    this.now = options.now ?? systemClock;
    this.onError = options.onError ?? (() => {});
    this.onRecover = options.onRecover ?? (() => {});
    this.timeoutMs = options.timeoutMs ?? DEFAULT_COLLECTOR_TIMEOUT_MS;
    this.failureReportMs = options.failureReportMs ?? FAILURE_REPORT_INTERVAL_MS;
    this.random = options.random ?? Math.random;
  }

  /** Replaces the set of collectors; new ones run at once, kept ones keep their rhythm at the new interval. */
  configure(list: readonly ScheduledCollector[]): void {
    const wanted = new Map(list.map((s) => [s.collector.name, s]));
    for (const [name, entry] of this.entries) {
      const next = wanted.get(name);
      if (!next || next.collector !== entry.collector) {
        entry.cancel?.();
        this.entries.delete(name);
      }
    }
    for (const s of list) {
      const timeoutMs = s.timeoutMs ?? this.timeoutMs;
      const jitter = Math.min(1, Math.max(0, s.jitter ?? 0));
      const entry = this.entries.get(s.collector.name);
      if (!entry) {
        const fresh: Entry = {
          collector: s.collector,
          intervalMs: s.intervalMs,
          timeoutMs,
          jitter,
          abandoned: 0,
          forceNext: false,
        };
        this.entries.set(s.collector.name, fresh);
        this.schedule(fresh, this.now());
      } else {
        const retime = entry.intervalMs !== s.intervalMs || entry.jitter !== jitter;
        Object.assign(entry, { intervalMs: s.intervalMs, timeoutMs, jitter });
        if (retime && !entry.running) this.scheduleNext(entry);
      }
    }
  }

  /** The scheduled collectors. */
  collectors(): Collector[] {
    return [...this.entries.values()].map((e) => e.collector);
  }

  /** Names of the scheduled collectors and their intervals. */
  plan(): Record<string, number> {
    return Object.fromEntries([...this.entries].map(([name, e]) => [name, e.intervalMs]));
  }

  /**
   * Runs the named collectors now (after a run already in progress, which waits at most its timeout)
   * and reports their current state even when unchanged. The results also go to the sink; the
   * rhythm of each collector restarts from this run.
   */
  async runNow(names: readonly string[]): Promise<ObservationData[]> {
    const entries = names.map((n) => this.entries.get(n)).filter((e): e is Entry => e !== undefined);
    const results = await Promise.all(
      entries.map(async (entry) => {
        while (entry.running) await entry.running;
        entry.cancel?.();
        entry.anchor = this.now();
        const out = await this.run(entry, { force: true });
        if (this.entries.get(entry.collector.name) === entry) this.scheduleNext(entry);
        return out;
      }),
    );
    return results.flat();
  }

  /**
   * After the notebook woke up: runs every probe and every state collector at once (all but identity,
   * which is checked on its own slow rhythm), so the picture is fresh within seconds of resume.
   */
  runAfterResume(): Promise<ObservationData[]> {
    return this.runNow([...this.entries.keys()].filter((n) => n !== 'identity'));
  }

  /** Stops all timers and waits for runs in progress (each at most its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.entries.values()].map((e) => {
      e.cancel?.();
      return e.running;
    });
    await Promise.all(running);
  }

  /** Schedules the run after the last one: one interval later on the grid, never in the past. */
  private scheduleNext(entry: Entry): void {
    const now = this.now();
    this.schedule(entry, Math.max((entry.anchor ?? now) + entry.intervalMs, now));
  }

  /** Sets the timer for the run due at `nominal`, plus this run's random share of the jitter window. */
  private schedule(entry: Entry, nominal: number): void {
    if (this.stopped) return;
    entry.cancel?.();
    entry.pendingNominal = nominal;
    const offset = entry.jitter > 0 ? Math.floor(this.random() * entry.jitter * entry.intervalMs) : 0;
    const delayMs = nominal + offset - this.now();
    // a run that is already due starts on the next turn, not a timer tick (>= 1 ms) later
    if (delayMs <= 0) {
      const t = setImmediate(() => void this.tick(entry));
      entry.cancel = () => clearImmediate(t);
    } else {
      const t = setTimeout(() => void this.tick(entry), delayMs);
      entry.cancel = () => clearTimeout(t);
    }
  }

  private async tick(entry: Entry): Promise<void> {
    entry.cancel = undefined;
    if (!entry.running) {
      entry.anchor = entry.pendingNominal ?? this.now();
      await this.run(entry, {});
    }
    if (this.entries.get(entry.collector.name) === entry) this.scheduleNext(entry);
  }

  private run(entry: Entry, options: CollectOptions): Promise<ObservationData[]> {
    const ts = this.now();
    if (entry.abandoned >= MAX_ABANDONED_RUNS) {
      this.fail(entry, new Error(`${entry.abandoned} earlier runs still hang; no new run started`));
      return Promise.resolve([]);
    }
    const force = options.force === true || entry.forceNext;
    // a collector that throws synchronously is treated like one that rejects
    const attempt = Promise.resolve().then(() => entry.collector.collect(force ? { force } : {}));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), entry.timeoutMs);
    });
    const running = Promise.race([
      attempt.then(
        (data) => ({ data }),
        (error: unknown) => ({ error }),
      ),
      timedOut,
    ]).then((outcome): ObservationData[] => {
      clearTimeout(timer);
      if (outcome === 'timeout') {
        // the run is given up: its late result (if any) is dropped, and the next run may start on time
        entry.abandoned++;
        attempt.then(
          () => entry.abandoned--,
          () => entry.abandoned--,
        );
        this.fail(entry, new CollectorTimeoutError(entry.timeoutMs));
        return [];
      }
      if ('error' in outcome) {
        this.fail(entry, outcome.error);
        return [];
      }
      entry.forceNext = false;
      this.recover(entry);
      if (outcome.data.length > 0) this.sink(outcome.data.map((d) => ({ ts, data: d })));
      return outcome.data;
    });
    const settled = running.finally(() => {
      if (entry.running === settled) entry.running = undefined;
    });
    entry.running = settled;
    return settled;
  }

  private fail(entry: Entry, error: unknown): void {
    const now = this.now();
    const name = entry.collector.name;
    entry.forceNext = true;
    entry.failing ??= { since: now, runs: 0, lastReported: Number.NEGATIVE_INFINITY };
    const f = entry.failing;
    f.runs++;
    const report = now - f.lastReported >= this.failureReportMs;
    if (report) {
      f.lastReported = now;
      const repeated = f.runs > 1 ? `; ${f.runs} failed runs since ${new Date(f.since).toISOString()}` : '';
      const detail = `${messageOf(error)}${repeated}`;
      this.sink([
        {
          ts: now,
          data: {
            kind: 'agent',
            event: 'collector-failed',
            collector: name.slice(0, 64),
            detail: detail.slice(0, 512),
          },
        },
      ]);
    }
    this.onError(name, error, report);
  }

  private recover(entry: Entry): void {
    if (!entry.failing) return;
    const runs = entry.failing.runs;
    entry.failing = undefined;
    this.onRecover(entry.collector.name, runs);
  }
}
