import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Observation } from '@lagebild/shared';
import { writeFileAtomic } from './fs-atomic.js';
import { encodeRecord, scanRecords } from './spool-record.js';
import { MAX_THIN_LEVEL, sampleSeries, survivors } from './spool-thin.js';

/** Bounds of the spool; `spool` in the agent config file. */
export interface SpoolLimits {
  /** size cap over all segments in bytes */
  maxBytes?: number;
  /** samples in segments older than this are dropped */
  maxAgeDays?: number;
}

export interface SpoolOptions extends SpoolLimits {
  /** a segment is sealed and a new one begun once it reaches this size */
  segmentBytes?: number;
  /** clock for the age cap */
  now?: () => number;
}

const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;

/** 64 MiB and 8 days hold a week offline at the default intervals about twice over (docs/PROTOCOL.md). */
export const DEFAULT_SPOOL = { maxBytes: 64 * MiB, maxAgeDays: 8, segmentBytes: 1 * MiB } as const;

/** What the spool holds and what it had to skip when it opened. */
export interface SpoolStats {
  records: number;
  bytes: number;
  segments: number;
  /** highest seq the server acknowledged (the `ack` marker) */
  acked: number;
  /** damaged records skipped when opening (bad CRC or length) */
  badRecords: number;
  /** bytes of torn tail cut off the newest segment when opening */
  tornBytes: number;
}

interface Entry {
  seq: number;
  ts: number;
  off: number;
  len: number;
  kind: string;
  series: string | null;
}

interface Segment {
  id: number;
  level: number;
  entries: Entry[];
  bytes: number;
  maxTs: number;
}

const NAME = /^(\d{16})-(\d)\.seg$/;
const segName = (id: number, level: number) => `${String(id).padStart(16, '0')}-${level}.seg`;

function isObservation(v: unknown): v is Observation {
  const o = v as Partial<Observation> | null;
  return typeof o === 'object' && o !== null && typeof o.seq === 'number' && typeof o.kind === 'string';
}

/**
 * Append-only, checksummed segment log of observations in the directory `dir`: files
 * `<first seq>-<thinning level>.seg` of records (u32 length, u32 CRC32, JSON), an `ack` marker with
 * the highest acknowledged seq and `dropped.json` with the counts thinned since the last report.
 * Each append is written and fdatasync'd before it returns. Only an index (seq, offset, kind) stays
 * in memory; batches are read back from disk.
 */
export class Spool {
  private segments: Segment[] = [];
  private fd: number | undefined;
  private acked = 0;
  private droppedByKind: Record<string, number> = {};
  private badRecords = 0;
  private tornBytes = 0;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly segmentBytes: number;
  private readonly now: () => number;

  private constructor(
    private readonly dir: string,
    o: SpoolOptions,
  ) {
    this.maxBytes = Math.max(64 * 1024, o.maxBytes ?? DEFAULT_SPOOL.maxBytes);
    this.maxAgeMs = Math.max(0, o.maxAgeDays ?? DEFAULT_SPOOL.maxAgeDays) * DAY_MS;
    // at least 8 segments under the cap, so thinning has sealed segments to work on
    this.segmentBytes = Math.min(
      o.segmentBytes ?? DEFAULT_SPOOL.segmentBytes,
      Math.max(4096, Math.floor(this.maxBytes / 8)),
    );
    this.now = o.now ?? Date.now;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.load();
  }

  /** Opens (and creates) a spool directory, recovering from a torn or damaged write. */
  static open(dir: string, options: SpoolOptions = {}): Spool {
    return new Spool(dir, options);
  }

  /**
   * Writes observations (ascending seq, above all held ones) durably, then enforces the bounds. A large
   * append is split at segment boundaries: one write and one fdatasync per segment touched.
   */
  append(observations: readonly Observation[]): void {
    let i = 0;
    while (i < observations.length) {
      let seg = this.segments[this.segments.length - 1];
      if (!seg || seg.bytes >= this.segmentBytes || seg.level > 0) {
        this.closeFd();
        seg = { id: observations[i]!.seq, level: 0, entries: [], bytes: 0, maxTs: 0 };
        this.segments.push(seg);
      }
      this.fd ??= openSync(this.file(seg), 'a');
      const parts: Buffer[] = [];
      let off = seg.bytes;
      const from = seg.bytes;
      while (i < observations.length && (parts.length === 0 || off < this.segmentBytes)) {
        const o = observations[i++]!;
        const record = encodeRecord(o);
        parts.push(record);
        seg.entries.push({
          seq: o.seq,
          ts: o.ts,
          off,
          len: record.length,
          kind: o.kind,
          series: sampleSeries(o),
        });
        seg.maxTs = Math.max(seg.maxTs, o.ts);
        off += record.length;
      }
      try {
        writeSync(this.fd, Buffer.concat(parts));
        fdatasyncSync(this.fd);
      } catch (e) {
        // disk full or gone: forget what did not make it, so the index never points past the file
        seg.entries = seg.entries.filter((x) => x.off < from);
        this.closeFd();
        try {
          truncateSync(this.file(seg), from);
        } catch {
          seg.bytes = Math.max(from, this.segmentBytes); // cannot cut: append to a new segment next time
        }
        throw e;
      }
      seg.bytes = off;
    }
    this.enforce();
  }

  /** Observations held (not yet acknowledged). */
  size(): number {
    return this.segments.reduce((n, s) => n + s.entries.length, 0);
  }

  /** Bytes on disk over all segments. */
  bytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  /** Highest seq held, or 0. */
  lastSeq(): number {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const e = this.segments[i]!.entries;
      if (e.length > 0) return e[e.length - 1]!.seq;
    }
    return 0;
  }

  /** Up to `limit` held observations with seq above `afterSeq`, in seq order. */
  read(afterSeq: number, limit: number): Observation[] {
    const out: Observation[] = [];
    for (const seg of this.segments) {
      if (out.length >= limit) break;
      const entries = seg.entries;
      if (entries.length === 0 || entries[entries.length - 1]!.seq <= afterSeq) continue;
      let lo = 0;
      let hi = entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (entries[mid]!.seq <= afterSeq) lo = mid + 1;
        else hi = mid;
      }
      const take = entries.slice(lo, lo + limit - out.length);
      out.push(...this.readEntries(seg, take));
    }
    return out;
  }

  /** Everything held, in seq order. */
  readAll(): Observation[] {
    return this.read(0, Number.MAX_SAFE_INTEGER);
  }

  /** The server holds everything up to `seq`: forget it, delete fully acknowledged segments. */
  ack(seq: number): void {
    for (const seg of [...this.segments]) {
      const keep = seg.entries.findIndex((e) => e.seq > seq);
      if (keep === 0) continue;
      if (keep < 0) this.remove(seg);
      else seg.entries = seg.entries.slice(keep);
    }
    if (seq > this.acked) {
      this.acked = seq;
      writeFileAtomic(join(this.dir, 'ack'), `${seq}\n`);
    }
  }

  /** Deletes everything held and sets the ack marker (numbering starts over above it). */
  reset(acked: number): void {
    for (const seg of [...this.segments]) this.remove(seg);
    this.acked = acked;
    writeFileAtomic(join(this.dir, 'ack'), `${acked}\n`);
  }

  /** Observations thinned or dropped since `clearDropped`, by kind. */
  dropped(): Record<string, number> {
    return { ...this.droppedByKind };
  }

  /** Counts observations that could not be written (disk full) as dropped. */
  countLost(observations: readonly { kind: string }[]): void {
    for (const o of observations) this.droppedByKind[o.kind] = (this.droppedByKind[o.kind] ?? 0) + 1;
    try {
      writeFileAtomic(join(this.dir, 'dropped.json'), `${JSON.stringify(this.droppedByKind)}\n`);
    } catch {
      // the same full disk: the counts stay in memory until reported
    }
  }

  /** The drop counts were reported. */
  clearDropped(): void {
    this.droppedByKind = {};
    rmSync(join(this.dir, 'dropped.json'), { force: true });
  }

  stats(): SpoolStats {
    return {
      records: this.size(),
      bytes: this.bytes(),
      segments: this.segments.length,
      acked: this.acked,
      badRecords: this.badRecords,
      tornBytes: this.tornBytes,
    };
  }

  /** Closes the append handle (reopened on the next append). */
  close(): void {
    this.closeFd();
  }

  private file(seg: Segment): string {
    return join(this.dir, segName(seg.id, seg.level));
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private remove(seg: Segment): void {
    if (seg === this.segments[this.segments.length - 1]) this.closeFd();
    rmSync(this.file(seg), { force: true });
    this.segments = this.segments.filter((s) => s !== seg);
  }

  private readEntries(seg: Segment, entries: readonly Entry[]): Observation[] {
    if (entries.length === 0) return [];
    const from = entries[0]!.off;
    const last = entries[entries.length - 1]!;
    const buf = Buffer.allocUnsafe(last.off + last.len - from);
    const fd = openSync(this.file(seg), 'r');
    try {
      readSync(fd, buf, 0, buf.length, from);
    } finally {
      closeSync(fd);
    }
    return entries.map((e) => JSON.parse(buf.toString('utf8', e.off - from + 8, e.off - from + e.len)));
  }

  /**
   * Age cap, then size cap: sealed segments are thinned oldest-first to every 2nd sample, then every
   * 4th, then to no samples, until the spool fits. The segment being written is never thinned; state
   * changes and events are never thinned.
   */
  private enforce(): void {
    const before = JSON.stringify(this.droppedByKind);
    const cutoff = this.now() - this.maxAgeMs;
    for (const seg of this.segments.slice(0, -1)) {
      if (seg.level < MAX_THIN_LEVEL && seg.maxTs < cutoff) this.thin(seg, MAX_THIN_LEVEL);
    }
    levels: for (let level = 1; level <= MAX_THIN_LEVEL; level++) {
      for (const seg of this.segments.slice(0, -1)) {
        if (this.bytes() <= this.maxBytes) break levels;
        while (seg.level < level && this.segments.includes(seg)) this.thin(seg, seg.level + 1);
      }
    }
    if (JSON.stringify(this.droppedByKind) !== before)
      writeFileAtomic(join(this.dir, 'dropped.json'), `${JSON.stringify(this.droppedByKind)}\n`);
  }

  /** Rewrites a sealed segment with only what survives `level`; the old file goes after the new is durable. */
  private thin(seg: Segment, level: number): void {
    const kept = survivors(seg.entries, level);
    const keptSet = new Set(kept);
    for (const e of seg.entries) {
      if (!keptSet.has(e)) this.droppedByKind[e.kind] = (this.droppedByKind[e.kind] ?? 0) + 1;
    }
    if (kept.length === 0) {
      this.remove(seg);
      return;
    }
    const old = readFileSync(this.file(seg));
    const buf = Buffer.concat(kept.map((e) => old.subarray(e.off, e.off + e.len)));
    const target = join(this.dir, segName(seg.id, level));
    const fd = openSync(`${target}.tmp`, 'w');
    try {
      writeSync(fd, buf);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(`${target}.tmp`, target);
    rmSync(this.file(seg), { force: true });
    let off = 0;
    seg.entries = kept.map((e) => {
      const moved = { ...e, off };
      off += e.len;
      return moved;
    });
    seg.level = level;
    seg.bytes = buf.length;
  }

  private load(): void {
    const ackFile = join(this.dir, 'ack');
    if (existsSync(ackFile)) {
      const n = Number(readFileSync(ackFile, 'utf8').trim());
      if (Number.isSafeInteger(n) && n > 0) this.acked = n;
    }
    try {
      const d = JSON.parse(readFileSync(join(this.dir, 'dropped.json'), 'utf8')) as unknown;
      if (typeof d === 'object' && d !== null)
        for (const [k, v] of Object.entries(d)) if (Number.isInteger(v) && v > 0) this.droppedByKind[k] = v;
    } catch {
      // none, or torn: counts since the last report are lost, the observations are not
    }
    // one file per segment id: the highest thinning level was written (and fsync'd) before the old one went
    const byId = new Map<number, number>();
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith('.tmp')) {
        rmSync(join(this.dir, name), { force: true });
        continue;
      }
      const m = NAME.exec(name);
      if (!m) continue;
      const id = Number(m[1]);
      const level = Number(m[2]);
      const other = byId.get(id);
      if (other !== undefined) rmSync(join(this.dir, segName(id, Math.min(other, level))), { force: true });
      byId.set(id, Math.max(other ?? level, level));
    }
    const ids = [...byId.keys()].sort((a, b) => a - b);
    ids.forEach((id, i) => {
      const seg: Segment = { id, level: byId.get(id)!, entries: [], bytes: 0, maxTs: 0 };
      const buf = readFileSync(this.file(seg));
      const scan = scanRecords(buf);
      this.badRecords += scan.badRecords;
      if (scan.validBytes < buf.length) {
        if (i === ids.length - 1) {
          // a torn tail of the newest segment: cut it so appends continue on an intact record boundary
          this.tornBytes += buf.length - scan.validBytes;
          const fd = openSync(this.file(seg), 'r+');
          try {
            ftruncateSync(fd, scan.validBytes);
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
        } else {
          this.badRecords++;
        }
      }
      seg.bytes = i === ids.length - 1 ? scan.validBytes : buf.length;
      for (const r of scan.records) {
        if (!isObservation(r.value) || r.value.seq <= this.acked) continue;
        const o = r.value;
        seg.entries.push({
          seq: o.seq,
          ts: o.ts,
          off: r.off,
          len: r.len,
          kind: o.kind,
          series: sampleSeries(o),
        });
        seg.maxTs = Math.max(seg.maxTs, o.ts);
      }
      if (seg.entries.length === 0) rmSync(this.file(seg), { force: true });
      else this.segments.push(seg);
    });
  }
}
