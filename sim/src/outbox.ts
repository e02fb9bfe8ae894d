import { MAX_FRAME_BYTES, type ObservationData, type ObservationKind, type VpnState } from '@lagebild/shared';

/** One observation as the device recorded it (kept only with `keepHistory`), for tests that audit the server. */
export interface RecordedObservation {
  seq: number;
  kind: ObservationKind;
  ts: number;
  /** the tunnel state a `vpn` observation reported */
  vpnState?: VpnState;
}

/** Most observations the simulator puts in one batch frame. */
export const BATCH_MAX_OBSERVATIONS = 200;
// UTF-8 needs at most 3 bytes per UTF-16 unit, so this many characters always fit into a frame
const BATCH_MAX_CHARS = Math.floor((MAX_FRAME_BYTES - 64) / 3);

/**
 * The device's store-and-forward queue: every observation not yet acknowledged, in seq order.
 *
 * Seqs are contiguous, so they are not stored: the k-th pending item has seq lastAckSeq + k. Each item
 * keeps its JSON without the seq (`,"ts":…}`), serialised once when measured; a resend only
 * concatenates strings. Positions (`sentPos`, `ackedPos`) count items ever recorded, independent of seqs.
 */
export class Outbox {
  private items: string[] = [];
  private head = 0;
  private ackSeq = 0;
  private ackedPos = 0;
  /** position up to which items went out on the current connection */
  private sentPos = 0;
  /** position up to which items ever went out (for first-send counting) */
  private everSentPos = 0;
  /** every observation ever recorded, in seq order; null unless asked for */
  private readonly recorded: RecordedObservation[] | null;

  constructor(keepHistory = false) {
    this.recorded = keepHistory ? [] : null;
  }

  /** Every observation recorded so far with its seq (empty unless constructed with keepHistory). */
  get history(): readonly RecordedObservation[] {
    return this.recorded ?? [];
  }

  /** Highest seq the server has confirmed. */
  get lastAckSeq(): number {
    return this.ackSeq;
  }

  /** Unacknowledged observations. */
  get pending(): number {
    return this.items.length - this.head;
  }

  /** Highest seq assigned so far. */
  get lastSeq(): number {
    return this.lastAckSeq + this.pending;
  }

  /** Highest seq sent on the current connection. */
  get sentSeq(): number {
    return this.lastAckSeq + Math.max(0, this.sentPos - this.ackedPos);
  }

  /** Sent on this connection but not yet acknowledged. */
  get inFlight(): number {
    return this.sentPos - this.ackedPos;
  }

  get unsent(): number {
    return this.ackedPos + this.pending - this.sentPos;
  }

  /** Queues one measurement; returns its seq. */
  record(data: ObservationData, ts: number): number {
    const json = JSON.stringify({ ts, ...data });
    this.items.push(`,${json.slice(1)}`);
    const seq = this.lastSeq;
    if (this.recorded) {
      const entry: RecordedObservation = { seq, kind: data.kind, ts };
      if (data.kind === 'vpn') entry.vpnState = data.state;
      this.recorded.push(entry);
    }
    return seq;
  }

  /** Forgets everything up to `seq`; returns how many observations that confirmed. */
  ack(seq: number): number {
    const n = Math.min(seq - this.lastAckSeq, this.pending);
    if (n <= 0) return 0;
    this.head += n;
    this.ackedPos += n;
    this.ackSeq += n;
    this.sentPos = Math.max(this.sentPos, this.ackedPos);
    this.everSentPos = Math.max(this.everSentPos, this.ackedPos);
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return n;
  }

  /**
   * Aligns with the server's `ackSeq` at the start of a connection and rewinds so that everything
   * after it is sent again. Returns how many observations that confirmed.
   */
  welcome(ackSeq: number): number {
    let confirmed = 0;
    if (ackSeq > this.lastSeq) {
      // the server has seqs this queue never made (a restarted simulator with the same seed):
      // continue numbering after them; pending items are renumbered, which is free here
      const shift = ackSeq - this.ackSeq;
      if (this.recorded)
        for (let i = this.recorded.length - this.pending; i < this.recorded.length; i++)
          (this.recorded[i] as RecordedObservation).seq += shift;
      this.ackSeq = ackSeq;
    } else {
      confirmed = this.ack(ackSeq);
    }
    this.sentPos = this.ackedPos;
    return confirmed;
  }

  /**
   * The next batch frame after the send cursor, or null when all is sent.
   * `firstSends` counts observations never sent before (the rest are resends).
   */
  takeBatch(
    maxObservations = BATCH_MAX_OBSERVATIONS,
  ): { frame: string; count: number; firstSends: number } | null {
    const start = this.head + (this.sentPos - this.ackedPos);
    const end = Math.min(this.items.length, start + maxObservations);
    if (start >= end) return null;
    let seq = this.lastAckSeq + (start - this.head) + 1;
    let chars = 0;
    const parts: string[] = [];
    for (let i = start; i < end; i++) {
      const item = this.items[i] as string;
      if (parts.length > 0 && chars + item.length > BATCH_MAX_CHARS) break;
      chars += item.length + 16;
      parts.push(`{"seq":${seq++}${item}`);
    }
    const count = parts.length;
    const firstSends = Math.max(0, this.sentPos + count - this.everSentPos);
    this.sentPos += count;
    this.everSentPos = Math.max(this.everSentPos, this.sentPos);
    return { frame: `{"type":"batch","observations":[${parts.join(',')}]}`, count, firstSends };
  }
}
