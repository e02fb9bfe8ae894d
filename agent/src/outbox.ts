import { existsSync, readFileSync, rmSync } from 'node:fs';
import { MAX_BATCH_OBSERVATIONS, type Observation } from '@lagebild/shared';
import { messageOf } from './collector.js';
import type { Logger } from './log.js';
import type { Stamped } from './scheduler.js';
import { Spool, type SpoolOptions, type SpoolStats } from './spool.js';
import type { AgentState } from './state.js';

export interface OutboxOptions {
  /** observations per batch frame; capped at MAX_BATCH_OBSERVATIONS */
  maxBatch?: number;
  /** batches sent but not yet acknowledged before sending pauses */
  maxInFlight?: number;
  /** bounds of the on-disk spool (`spool` in the config file) */
  spool?: SpoolOptions;
  log?: Logger;
}

/**
 * Store-and-forward queue: numbers observations, writes each to the spool (a checksummed segment log
 * in `<state>/spool`, fdatasync'd) before anyone can send it, and hands out batches in seq order.
 * Once connected it reports what the spool had to thin as an `agent` observation `spool-dropped`.
 */
export class Outbox {
  private readonly spool: Spool;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private sentUpTo = 0;
  private inFlight: number[] = [];
  private online = false;
  private listeners: (() => void)[] = [];
  private readonly log: Logger | undefined;

  private constructor(
    private readonly state: AgentState,
    options: OutboxOptions,
  ) {
    this.log = options.log;
    this.maxBatch = Math.max(1, Math.min(options.maxBatch ?? 200, MAX_BATCH_OBSERVATIONS));
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.spool = Spool.open(state.path('spool'), options.spool);
    const s = this.spool.stats();
    if (s.badRecords > 0 || s.tornBytes > 0)
      options.log?.warn(
        `spool: skipped ${s.badRecords} damaged record(s) and ${s.tornBytes} bytes of a torn write (power loss?)`,
      );
    this.migrateJsonl();
    this.state.raiseSeq(this.spool.lastSeq() + 1);
  }

  /** Opens the outbox of a state directory and reloads what a previous run left unacknowledged. */
  static open(state: AgentState, options: OutboxOptions = {}): Outbox {
    return new Outbox(state, options);
  }

  /** Called whenever new observations are waiting. */
  onPending(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Numbers and stores observations durably; returns them as they will be sent. */
  push(stamped: readonly Stamped[]): Observation[] {
    if (stamped.length === 0) return [];
    let added: Observation[] = [];
    try {
      const first = this.state.takeSeq(stamped.length);
      added = stamped.map((s, i) => ({ ...s.data, seq: first + i, ts: s.ts }) as Observation);
      this.spool.append(added);
    } catch (e) {
      // a full or failing disk must not stop the agent: the loss is counted and reported like thinning
      const stored = this.spool.lastSeq();
      const lost = added.length > 0 ? added.filter((o) => o.seq > stored) : stamped.map((s) => s.data);
      this.spool.countLost(lost);
      this.log?.error(`spool: cannot store ${lost.length} observation(s): ${messageOf(e)}`);
      if (lost.length === stamped.length) return [];
      added = added.filter((o) => o.seq <= stored);
    }
    for (const l of this.listeners) l();
    return added;
  }

  /** Unacknowledged observations. */
  size(): number {
    return this.spool.size();
  }

  /** Highest seq handed out in a batch on the current connection. */
  sent(): number {
    return this.sentUpTo;
  }

  /** Size, segments and recovery counts of the spool. */
  spoolStats(): SpoolStats {
    return this.spool.stats();
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
      const waiting = this.spool.readAll();
      this.spool.reset(ackSeq);
      if (waiting.length > 0) {
        const first = this.state.takeSeq(waiting.length);
        this.spool.append(waiting.map((o, i) => ({ ...o, seq: first + i })));
      }
    } else {
      this.spool.ack(ackSeq);
    }
    this.sentUpTo = ackSeq;
    this.online = true;
    this.reportDrops();
  }

  /** The connection is gone: what was sent but not acknowledged goes again on the next one. */
  disconnected(): void {
    this.inFlight = [];
    this.sentUpTo = 0;
    this.online = false;
  }

  /** The next batch to send, or null when nothing is waiting or too many batches await their ack. */
  nextBatch(limit = this.maxBatch): Observation[] | null {
    if (this.inFlight.length >= this.maxInFlight) return null;
    const batch = this.spool.read(this.sentUpTo, Math.max(1, Math.min(limit, this.maxBatch)));
    if (batch.length === 0) return null;
    const last = batch[batch.length - 1]!.seq;
    this.sentUpTo = last;
    this.inFlight.push(last);
    return batch;
  }

  /** Everything up to and including `seq` is stored by the server. */
  ack(seq: number): void {
    this.inFlight = this.inFlight.filter((s) => s > seq);
    this.spool.ack(seq);
    this.reportDrops();
  }

  /** Online and the spool thinned something: say how much, once, as an observation of its own. */
  private reportDrops(): void {
    if (!this.online) return;
    const dropped = this.spool.dropped();
    if (Object.keys(dropped).length === 0) return;
    const total = Object.values(dropped).reduce((a, b) => a + b, 0);
    this.spool.clearDropped();
    this.push([
      {
        ts: Date.now(),
        data: {
          kind: 'agent',
          event: 'spool-dropped',
          detail: `${total} samples thinned or dropped while offline to keep the spool within its bounds`,
          dropped,
        },
      },
    ]);
  }

  /** Takes over what an agent before the spool left in `outbox.jsonl`. */
  private migrateJsonl(): void {
    const file = this.state.path('outbox.jsonl');
    if (!existsSync(file)) return;
    let acked = 0;
    const items: Observation[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as Observation | { ack: number };
        if ('ack' in entry && typeof entry.ack === 'number') acked = Math.max(acked, entry.ack);
        else if (typeof (entry as Observation).seq === 'number') items.push(entry as Observation);
      } catch {
        // a line cut short by a crash
      }
    }
    const above = Math.max(acked, this.spool.lastSeq());
    this.spool.append(items.filter((o) => o.seq > above).sort((a, b) => a.seq - b.seq));
    rmSync(file, { force: true });
  }
}
