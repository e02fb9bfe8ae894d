import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation } from '@lagebild/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spool, type SpoolOptions } from './spool.js';
import { crc32, crc32Table, encodeRecord } from './spool-record.js';

const health = (seq: number): Observation => ({
  seq,
  ts: 1_700_000_000_000 + seq * 60_000,
  kind: 'health',
  cpuPct: 10,
  memPct: 40,
  link: 'wifi',
  uptimeSec: seq,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => health(from + i));
const seqs = (os: Observation[]) => os.map((o) => o.seq);
const RECORD = encodeRecord(health(1)).length;

describe('spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  // the clock of the observations, so the age cap leaves them alone
  const open = (o: SpoolOptions = {}) => Spool.open(dir, { now: () => health(100).ts, ...o });
  const segments = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.seg'))
      .sort();

  it('computes the standard CRC-32, natively and by table', () => {
    const check = Buffer.from('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Table(check)).toBe(0xcbf43926);
  });

  it('reads back what it wrote, in order and after a reopen', () => {
    const spool = open();
    spool.append(range(1, 3));
    spool.append(range(4, 5));
    expect(spool.read(0, 10)).toEqual(range(1, 5));
    expect(seqs(spool.read(2, 2))).toEqual([3, 4]);
    spool.close();
    expect(open().readAll()).toEqual(range(1, 5));
  });

  it('cuts a record torn by power loss off the end, keeps everything before it and appends after it', () => {
    const spool = open();
    spool.append(range(1, 5));
    spool.close();
    const [file] = segments();
    truncateSync(join(dir, file!), 5 * RECORD - 7);
    const reopened = open();
    expect(seqs(reopened.readAll())).toEqual([1, 2, 3, 4]);
    expect(reopened.stats()).toMatchObject({ tornBytes: RECORD - 7, badRecords: 0 });
    reopened.append(range(6, 7));
    reopened.close();
    expect(seqs(open().readAll())).toEqual([1, 2, 3, 4, 6, 7]);
  });

  it('skips a damaged record in the middle, counts it and keeps the rest', () => {
    const spool = open();
    spool.append(range(1, 5));
    spool.close();
    const path = join(dir, segments()[0]!);
    const bytes = readFileSync(path);
    bytes[2 * RECORD + 20]! ^= 0xff; // a payload byte of seq 3
    writeFileSync(path, bytes);
    const reopened = open();
    expect(seqs(reopened.readAll())).toEqual([1, 2, 4, 5]);
    expect(reopened.stats().badRecords).toBe(1);
    reopened.append(range(6, 6));
    expect(seqs(open().readAll())).toEqual([1, 2, 4, 5, 6]);
  });

  it('finds its way past a damaged length field', () => {
    const spool = open();
    spool.append(range(1, 4));
    spool.close();
    const path = join(dir, segments()[0]!);
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(0x7fffffff, RECORD); // length of seq 2
    writeFileSync(path, bytes);
    const reopened = open();
    expect(seqs(reopened.readAll())).toEqual([1, 3, 4]);
    expect(reopened.stats()).toMatchObject({ badRecords: 1, tornBytes: 0 });
  });

  it('rotates segments at their size and deletes those an ack covers completely', () => {
    const spool = open({ segmentBytes: 10 * RECORD });
    for (let s = 1; s <= 50; s += 5) spool.append(range(s, s + 4));
    expect(segments()).toHaveLength(5);
    spool.ack(23);
    expect(segments()).toHaveLength(3);
    expect(spool.size()).toBe(27);
    expect(seqs(spool.read(0, 3))).toEqual([24, 25, 26]);
    spool.ack(50);
    expect(segments()).toEqual([]);
    expect(spool.size()).toBe(0);
  });

  it('splits one large append into segments of the configured size', () => {
    const spool = open({ segmentBytes: 10 * RECORD });
    spool.append(range(1, 35));
    expect(segments()).toHaveLength(4);
    spool.close();
    expect(open({ segmentBytes: 10 * RECORD }).readAll()).toEqual(range(1, 35));
  });

  it('does not resend after a restart what the ack marker says the server has', () => {
    const spool = open();
    spool.append(range(1, 6));
    spool.ack(4);
    spool.close();
    expect(readFileSync(join(dir, 'ack'), 'utf8').trim()).toBe('4');
    const reopened = open();
    expect(seqs(reopened.readAll())).toEqual([5, 6]);
    expect(reopened.lastSeq()).toBe(6);
  });

  it('keeps the thinned file when a crash left both versions of a segment', () => {
    const spool = open();
    spool.append(range(1, 4));
    spool.close();
    const name = segments()[0]!;
    const thinned = Buffer.concat([health(1), health(3)].map((o) => encodeRecord(o)));
    writeFileSync(join(dir, name.replace('-0.seg', '-1.seg')), thinned);
    const reopened = open();
    expect(seqs(reopened.readAll())).toEqual([1, 3]);
    expect(segments()).toEqual([name.replace('-0.seg', '-1.seg')]);
    expect(statSync(join(dir, segments()[0]!)).size).toBe(thinned.length);
  });
});
