import { decodeAgentFrame, type Observation } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox.js';

const agentEvent = { kind: 'agent', event: 'started' } as const;

function fill(outbox: Outbox, n: number): void {
  for (let i = 0; i < n; i++) outbox.record(agentEvent, 1_700_000_000_000 + i);
}

function seqsOf(frame: string): number[] {
  const decoded = decodeAgentFrame(frame);
  if (decoded.type !== 'batch') throw new Error('not a batch');
  return decoded.observations.map((o: Observation) => o.seq);
}

describe('outbox', () => {
  it('numbers observations from 1 and sends valid batches of at most 200', () => {
    const o = new Outbox();
    fill(o, 450);
    const sizes: number[] = [];
    const seqs: number[] = [];
    for (let b = o.takeBatch(); b; b = o.takeBatch()) {
      sizes.push(b.count);
      seqs.push(...seqsOf(b.frame));
    }
    expect(sizes).toEqual([200, 200, 50]);
    expect(seqs).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    expect(o.sentSeq).toBe(450);
  });

  it('forgets acknowledged observations and resends the rest after a welcome', () => {
    const o = new Outbox();
    fill(o, 10);
    o.takeBatch();
    expect(o.ack(6)).toBe(6);
    expect(o.pending).toBe(4);
    fill(o, 2);
    expect(o.welcome(6)).toBe(0);
    const again = o.takeBatch();
    expect(again && seqsOf(again.frame)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(again?.firstSends).toBe(2);
  });

  it('treats a welcome ackSeq as an acknowledgement of what the server already stored', () => {
    const o = new Outbox();
    fill(o, 5);
    o.takeBatch();
    expect(o.welcome(3)).toBe(3);
    expect(o.lastAckSeq).toBe(3);
    expect(seqsOf(o.takeBatch()?.frame ?? '')).toEqual([4, 5]);
  });

  it('continues after the server’s seq when the server knows more than this queue ever made', () => {
    const o = new Outbox();
    fill(o, 2);
    o.welcome(5_000);
    expect(seqsOf(o.takeBatch()?.frame ?? '')).toEqual([5_001, 5_002]);
  });

  it('keeps no history unless asked to', () => {
    const o = new Outbox();
    fill(o, 3);
    expect(o.history).toEqual([]);
  });

  it('remembers seq, kind, time and tunnel state of every observation when asked, renumbered with the queue', () => {
    const o = new Outbox(true);
    o.record({ kind: 'agent', event: 'started' }, 1_000);
    o.record(
      {
        kind: 'vpn',
        change: true,
        state: 'down',
        vendor: 'wireguard',
        interface: null,
        addresses: [],
        since: 1_000,
      },
      2_000,
    );
    o.takeBatch();
    o.ack(1);
    o.welcome(40); // a server that knows more: the pending vpn observation becomes seq 41
    o.record(agentEvent, 3_000);
    expect(o.history).toEqual([
      { seq: 1, kind: 'agent', ts: 1_000 },
      { seq: 41, kind: 'vpn', ts: 2_000, vpnState: 'down' },
      { seq: 42, kind: 'agent', ts: 3_000 },
    ]);
    expect(seqsOf(o.takeBatch()?.frame ?? '')).toEqual([41, 42]);
  });
});
