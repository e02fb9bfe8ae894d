import type { ObservationData } from '@lagebild/shared';
import { type Clock, type CollectOptions, type Collector, systemClock } from './collector.js';

/** A collector and how often it runs. */
export interface ScheduledCollector {
  collector: Collector;
  intervalMs: number;
}

/** An observation with its measurement time, before it gets a sequence number. */
export interface Stamped {
  ts: number;
  data: ObservationData;
}

export type Sink = (items: Stamped[]) => void;

export interface SchedulerOptions {
  sink: Sink;
  now?: Clock;
  onError?: (collector: string, error: unknown) => void;
}

interface Entry {
  collector: Collector;
  intervalMs: number;
  /** cancels the pending run */
  cancel?: () => void;
  running?: Promise<ObservationData[]>;
  lastStart?: number;
}

/**
 * Runs each collector at its interval, never two runs of one collector at once, stamps the results
 * with the time the run started and hands them to the sink.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly sink: Sink;
  private readonly now: Clock;
  private readonly onError: (collector: string, error: unknown) => void;
  private stopped = false;

  constructor(options: SchedulerOptions) {
    this.sink = options.sink;
    this.now = options.now ?? systemClock;
    this.onError = options.onError ?? (() => {});
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
    for (const { collector, intervalMs } of list) {
      const entry = this.entries.get(collector.name);
      if (!entry) {
        const fresh: Entry = { collector, intervalMs };
        this.entries.set(collector.name, fresh);
        this.schedule(fresh, 0);
      } else if (entry.intervalMs !== intervalMs) {
        entry.intervalMs = intervalMs;
        if (!entry.running) this.schedule(entry, this.delayAfter(entry));
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
   * Runs the named collectors now (after a run already in progress) and reports their current state
   * even when unchanged. The results also go to the sink.
   */
  async runNow(names: readonly string[]): Promise<ObservationData[]> {
    const entries = names.map((n) => this.entries.get(n)).filter((e): e is Entry => e !== undefined);
    const results = await Promise.all(
      entries.map(async (entry) => {
        while (entry.running) await entry.running;
        entry.cancel?.();
        const out = await this.run(entry, { force: true });
        if (this.entries.get(entry.collector.name) === entry && !this.stopped) {
          this.schedule(entry, this.delayAfter(entry));
        }
        return out;
      }),
    );
    return results.flat();
  }

  /** Stops all timers and waits for runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.entries.values()].map((e) => {
      e.cancel?.();
      return e.running;
    });
    await Promise.all(running);
  }

  private delayAfter(entry: Entry): number {
    return Math.max(0, (entry.lastStart ?? 0) + entry.intervalMs - this.now());
  }

  private schedule(entry: Entry, delayMs: number): void {
    if (this.stopped) return;
    entry.cancel?.();
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
    if (!entry.running) await this.run(entry, {});
    if (this.entries.get(entry.collector.name) === entry) this.schedule(entry, this.delayAfter(entry));
  }

  private run(entry: Entry, options: CollectOptions): Promise<ObservationData[]> {
    const ts = this.now();
    entry.lastStart = ts;
    const name = entry.collector.name;
    const running = entry.collector
      .collect(options)
      .catch((e: unknown) => {
        this.onError(name, e);
        return [] as ObservationData[];
      })
      .then((data) => {
        if (data.length > 0) this.sink(data.map((d) => ({ ts, data: d })));
        return data;
      })
      .finally(() => {
        if (entry.running === running) entry.running = undefined;
      });
    entry.running = running;
    return running;
  }
}
