/** A scheduled callback; cancel() is idempotent. */
export interface Task {
  cancel(): void;
}

interface Entry extends Task {
  due: number;
  order: number;
  period: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * All timers of a fleet in one binary heap behind one setTimeout: thousands of devices with a dozen
 * periodic jobs each cost one armed timer, not tens of thousands.
 */
export class Scheduler {
  private heap: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Number.POSITIVE_INFINITY;
  private counter = 0;
  private cancelled = 0;

  constructor(
    private readonly onError: (error: unknown) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `fn` once after `delayMs`. */
  at(delayMs: number, fn: () => void): Task {
    return this.add(delayMs, 0, fn);
  }

  /** Runs `fn` every `periodMs`, first after `firstDelayMs`. A late run skips the runs it missed. */
  every(periodMs: number, fn: () => void, firstDelayMs = periodMs): Task {
    return this.add(firstDelayMs, Math.max(1, periodMs), fn);
  }

  /** Number of live tasks. */
  get size(): number {
    return this.heap.length - this.cancelled;
  }

  /** Cancels everything and disarms the timer. */
  clear(): void {
    for (const e of this.heap) e.cancelled = true;
    this.heap = [];
    this.cancelled = 0;
    this.disarm();
  }

  private add(delayMs: number, period: number, fn: () => void): Entry {
    const entry: Entry = {
      due: this.now() + Math.max(0, delayMs),
      order: this.counter++,
      period,
      fn,
      cancelled: false,
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.cancelled++;
        // lazy deletion; rebuild when dead entries dominate (e.g. after many config changes)
        if (this.cancelled > 64 && this.cancelled > this.heap.length / 2) this.compact();
      },
    };
    this.push(entry);
    this.arm();
    return entry;
  }

  private compact(): void {
    const live = this.heap.filter((e) => !e.cancelled);
    this.heap = [];
    this.cancelled = 0;
    for (const e of live) this.push(e);
  }

  private arm(): void {
    const top = this.heap[0];
    if (!top) {
      this.disarm();
      return;
    }
    if (this.timer && top.due >= this.timerDue) return;
    this.disarm();
    this.timerDue = top.due;
    this.timer = setTimeout(() => this.run(), Math.max(0, top.due - this.now()));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Number.POSITIVE_INFINITY;
  }

  private run(): void {
    this.timer = null;
    this.timerDue = Number.POSITIVE_INFINITY;
    const now = this.now();
    // 1 ms slack: setTimeout may fire a fraction early relative to performance.now()
    for (let top = this.heap[0]; top && top.due <= now + 1; top = this.heap[0]) {
      this.pop();
      if (top.cancelled) {
        this.cancelled--;
        continue;
      }
      if (top.period > 0) {
        top.due = top.due + top.period < now ? now + top.period : top.due + top.period;
        top.order = this.counter++;
        this.push(top);
      } else {
        top.cancelled = true; // a finished one-shot: cancel() becomes a no-op
      }
      try {
        top.fn();
      } catch (error) {
        this.onError(error);
      }
    }
    this.arm();
  }

  private less(a: Entry, b: Entry): boolean {
    return a.due < b.due || (a.due === b.due && a.order < b.order);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Entry;
      if (!this.less(e, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && this.less(h[r] as Entry, h[l] as Entry) ? r : l;
      if (!this.less(h[child] as Entry, last)) break;
      h[i] = h[child] as Entry;
      i = child;
    }
    h[i] = last;
  }
}
