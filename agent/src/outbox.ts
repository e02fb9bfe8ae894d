import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { MAX_BATCH_OBSERVATIONS, type Observation } from '@lagebild/shared';
import { writeFileAtomic } from './fs-atomic.js';
import type { Stamped } from './scheduler.js';
import type { AgentState } from './state.js';

export interface OutboxOptions {
  /** observations per batch frame; capped at MAX_BATCH_OBSERVATIONS */
  maxBatch?: number;
  /** batches sent but not yet acknowledged before sending pauses */
  maxInFlight?: number;
}

/**
 * Store-and-forward queue: numbers observations, keeps every unacknowledged one in memory and in
 * `outbox.jsonl` (appended; `{"ack":N}` lines mark progress; compacted as it shrinks), and hands out
 * batches in seq order.
 */
export class Outbox {
  private readonly file: string;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private items: Observation[] = [];
  private sentUpTo = 0;
  private inFlight: number[] = [];
  private fileLines = 0;
  private listeners: (() => void)[] = [];

  private constructor(
    private readonly state: AgentState,
    options: OutboxOptions,
  ) {
    this.file = state.path('outbox.jsonl');
    this.maxBatch = Math.max(1, Math.min(options.maxBatch ?? 200, MAX_BATCH_OBSERVATIONS));
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.load();
  }

  /** Opens the outbox of a state directory and reloads what a previous run left unacknowledged. */
  static open(state: AgentState, options: OutboxOptions = {}): Outbox {
    return new Outbox(state, options);
  }

  /** Called whenever new observations are waiting. */
  onPending(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Numbers and stores observations; returns them as they will be sent. */
  push(stamped: readonly Stamped[]): Observation[] {
    if (stamped.length === 0) return [];
    const first = this.state.takeSeq(stamped.length);
    const added = stamped.map((s, i) => ({ ...s.data, seq: first + i, ts: s.ts }) as Observation);
    appendFileSync(this.file, added.map((o) => `${JSON.stringify(o)}\n`).join(''));
    this.fileLines += added.length;
    this.items.push(...added);
    for (const l of this.listeners) l();
    return added;
  }

  /** Unacknowledged observations. */
  size(): number {
    return this.items.length;
  }

  /** Highest seq handed out in a batch on the current connection. */
  sent(): number {
    return this.sentUpTo;
  }

  /**
   * A new connection was accepted: the server holds everything up to `ackSeq`. Everything above it is
   * sent again. If the server knows higher numbers than this agent (its state was lost), numbering
   * continues above them and waiting observations are renumbered.
   */
  welcome(ackSeq: number): void {
    this.inFlight = [];
    if (ackSeq >= this.state.nextSeq()) {
      this.state.raiseSeq(ackSeq + 1);
      if (this.items.length > 0) {
        const first = this.state.takeSeq(this.items.length);
        this.items = this.items.map((o, i) => ({ ...o, seq: first + i }));
        this.rewrite();
      }
    } else {
      this.drop(ackSeq);
    }
    this.sentUpTo = ackSeq;
  }

  /** The connection is gone: what was sent but not acknowledged goes again on the next one. */
  disconnected(): void {
    this.inFlight = [];
    this.sentUpTo = 0;
  }

  /** The next batch to send, or null when nothing is waiting or too many batches await their ack. */
  nextBatch(limit = this.maxBatch): Observation[] | null {
    if (this.inFlight.length >= this.maxInFlight) return null;
    const start = this.items.findIndex((o) => o.seq > this.sentUpTo);
    if (start < 0) return null;
    const batch = this.items.slice(start, start + Math.max(1, Math.min(limit, this.maxBatch)));
    const last = batch[batch.length - 1]!.seq;
    this.sentUpTo = last;
    this.inFlight.push(last);
    return batch;
  }

  /** Everything up to and including `seq` is stored by the server. */
  ack(seq: number): void {
    this.inFlight = this.inFlight.filter((s) => s > seq);
    this.drop(seq);
  }

  private drop(seq: number): void {
    const keep = this.items.findIndex((o) => o.seq > seq);
    const dropped = keep < 0 ? this.items.length : keep;
    if (dropped === 0) return;
    this.items = this.items.slice(dropped);
    if (this.items.length === 0 || this.fileLines > 2 * this.items.length + 256) {
      this.rewrite();
    } else {
      appendFileSync(this.file, `${JSON.stringify({ ack: seq })}\n`);
      this.fileLines++;
    }
  }

  private rewrite(): void {
    writeFileAtomic(this.file, this.items.map((o) => `${JSON.stringify(o)}\n`).join(''));
    this.fileLines = this.items.length;
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    let acked = 0;
    const items: Observation[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as Observation | { ack: number };
        if ('ack' in entry && typeof entry.ack === 'number') acked = Math.max(acked, entry.ack);
        else if (typeof (entry as Observation).seq === 'number') items.push(entry as Observation);
      } catch {
        // a line cut short by a crash: everything before it is intact
      }
    }
    this.items = items.filter((o) => o.seq > acked).sort((a, b) => a.seq - b.seq);
    const last = this.items[this.items.length - 1];
    if (last) this.state.raiseSeq(last.seq + 1);
    this.rewrite();
  }
}
