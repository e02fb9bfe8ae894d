import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.js';
import type { Stamped } from './scheduler.js';
import { AgentState } from './state.js';

const health = (ts: number): Stamped => ({
  ts,
  data: { kind: 'health', cpuPct: 10, memPct: 40, link: 'wifi', uptimeSec: ts },
});
const many = (n: number, from = 0) => Array.from({ length: n }, (_, i) => health(from + i));
const seqs = (b: { seq: number }[] | null) => (b ?? []).map((o) => o.seq);

describe('outbox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-outbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const open = (options = {}) => Outbox.open(AgentState.open(dir), options);

  it('numbers observations and sends them in order in batches of at most 200', () => {
    const outbox = open();
    const pushed = outbox.push(many(450));
    expect(pushed[0]).toMatchObject({ seq: 1, ts: 0, kind: 'health' });
    outbox.welcome(0);
    const b1 = outbox.nextBatch();
    const b2 = outbox.nextBatch();
    const b3 = outbox.nextBatch();
    expect([b1?.length, b2?.length, b3?.length]).toEqual([200, 200, 50]);
    expect(seqs(b3).at(-1)).toBe(450);
    expect(outbox.nextBatch()).toBeNull();
  });

  it('forgets what an ack covers and keeps the rest', () => {
    const outbox = open();
    outbox.push(many(5));
    outbox.welcome(0);
    outbox.nextBatch();
    outbox.ack(3);
    expect(outbox.size()).toBe(2);
    outbox.disconnected();
    outbox.welcome(3);
    expect(seqs(outbox.nextBatch())).toEqual([4, 5]);
  });

  it('pauses when too many batches wait for their ack', () => {
    const outbox = open({ maxBatch: 2, maxInFlight: 2 });
    outbox.push(many(10));
    outbox.welcome(0);
    expect(seqs(outbox.nextBatch())).toEqual([1, 2]);
    expect(seqs(outbox.nextBatch())).toEqual([3, 4]);
    expect(outbox.nextBatch()).toBeNull();
    outbox.ack(2);
    expect(seqs(outbox.nextBatch())).toEqual([5, 6]);
  });

  it('resends after a restart what was not acknowledged, and continues numbering', () => {
    const first = open();
    first.push(many(4));
    first.welcome(0);
    first.nextBatch();
    first.ack(2);
    const restarted = open();
    expect(restarted.size()).toBe(2);
    restarted.welcome(2);
    expect(seqs(restarted.nextBatch())).toEqual([3, 4]);
    expect(restarted.push(many(1))[0]?.seq).toBe(5);
  });

  it('resends after a crash exactly what the server has not acknowledged, each once, across segments', () => {
    const first = open({ spool: { segmentBytes: 4096, now: () => 0 } });
    for (let i = 0; i < 10; i++) first.push(many(30, i * 30));
    first.welcome(0);
    first.nextBatch();
    first.ack(120);
    // no close: the process died; the server had committed up to 170 but that ack never arrived
    const restarted = open({ spool: { segmentBytes: 4096, now: () => 0 } });
    expect(restarted.size()).toBe(180);
    restarted.welcome(170);
    const got: number[] = [];
    for (let b = restarted.nextBatch(); b; b = restarted.nextBatch()) {
      got.push(...seqs(b));
      restarted.ack(b.at(-1)!.seq);
    }
    expect(got).toEqual(Array.from({ length: 130 }, (_, i) => 171 + i));
    expect(restarted.size()).toBe(0);
  });

  it('keeps running when the disk refuses a write, and reports the loss once connected', () => {
    const outbox = open();
    rmSync(join(dir, 'spool'), { recursive: true });
    expect(outbox.push(many(3))).toEqual([]);
    mkdirSync(join(dir, 'spool'));
    outbox.push(many(1));
    outbox.welcome(0);
    const sent = outbox.nextBatch() ?? [];
    expect(sent.map((o) => o.kind)).toEqual(['health', 'agent']);
    expect(sent[1]).toMatchObject({ event: 'spool-dropped', dropped: { health: 3 } });
  });

  it('takes over what an older agent left in outbox.jsonl, minus what was acknowledged', () => {
    const lines = [1, 2, 3].map((seq) => JSON.stringify({ ...health(seq).data, seq, ts: seq }));
    writeFileSync(join(dir, 'outbox.jsonl'), `${lines.join('\n')}\n{"ack":1}\n{"seq":4,"ts":1,"kind":"hea`);
    const outbox = open();
    expect(outbox.size()).toBe(2);
    expect(existsSync(join(dir, 'outbox.jsonl'))).toBe(false);
    outbox.welcome(1);
    expect(seqs(outbox.nextBatch())).toEqual([2, 3]);
    expect(outbox.push(many(1))[0]?.seq).toBe(4);
  });

  it('renumbers above the server when the agent lost its state', () => {
    const outbox = open();
    outbox.push(many(3));
    outbox.welcome(500);
    expect(seqs(outbox.nextBatch())).toEqual([501, 502, 503]);
    expect(outbox.push(many(1))[0]?.seq).toBe(504);
  });

  it('deletes its spool segments once everything is acknowledged', () => {
    const outbox = open();
    outbox.push(many(3));
    outbox.welcome(0);
    outbox.nextBatch();
    outbox.ack(3);
    expect(readdirSync(join(dir, 'spool')).filter((f) => f.endsWith('.seg'))).toEqual([]);
    expect(outbox.nextBatch()).toBeNull();
    expect(open().size()).toBe(0);
  });

  it('tells listeners when observations are waiting', () => {
    const outbox = open();
    let calls = 0;
    outbox.onPending(() => calls++);
    outbox.push(many(2));
    outbox.push([]);
    expect(calls).toBe(1);
  });
});
