import { networkInterfaces } from 'node:os';

/** Node's view of the notebook's addresses, one line per non-internal address, sorted. */
export function networkSignature(): string {
  const lines: string[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal) lines.push(`${name} ${a.address}`);
  }
  return lines.sort().join('\n');
}

export interface NetworkWatchOptions {
  /** how often to look (default 2 s: reading the list costs microseconds) */
  intervalMs?: number;
  /** the signature to compare (tests pass their own) */
  read?: () => string;
}

/**
 * Notices a network change — Wi-Fi roamed, a cable plugged, the tunnel came up, a new address — so
 * the agent tries the server at once instead of waiting out its backoff.
 */
export class NetworkWatch {
  private readonly intervalMs: number;
  private readonly read: () => string;
  private readonly listeners: (() => void)[] = [];
  private last: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(o: NetworkWatchOptions = {}) {
    this.intervalMs = o.intervalMs ?? 2_000;
    this.read = o.read ?? networkSignature;
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Compares once; tells the listeners when the network differs from the last look. */
  check(): boolean {
    const now = this.read();
    const changed = this.last !== undefined && now !== this.last;
    this.last = now;
    if (changed) for (const fn of this.listeners) fn();
    return changed;
  }

  start(): void {
    if (this.timer) return;
    this.check();
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
