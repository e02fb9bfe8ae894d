/**
 * A mergeable log-bucket histogram for latencies (DDSketch-style): every value lands in the bucket
 * i = ceil(log_γ v) with γ = (1 + α) / (1 − α), and a bucket is reported by 2γ^i / (γ + 1), which is
 * within α of every value in it. Adding two histograms is adding their counts, so percentiles of any
 * set of devices and any time range come from summed buckets, never from raw samples.
 */

/** Relative error bound of every quantile estimate. */
export const HISTOGRAM_RELATIVE_ERROR = 0.02;

const GAMMA = (1 + HISTOGRAM_RELATIVE_ERROR) / (1 - HISTOGRAM_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
/** Values at or below this (ms) count as zero: a latency of a microsecond is no latency. */
export const HISTOGRAM_MIN_VALUE = 0.001;

/** Serialised form: the zero bucket and the counts of the buckets from `offset` on (dense, for storage). */
export interface HistogramData {
  zero: number;
  offset: number;
  counts: number[];
}

/** Bucket index of a positive value above the minimum. */
export function bucketOf(value: number): number {
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

/** The value reported for a bucket: within the relative error of everything in it. */
export function bucketValue(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

export class Histogram {
  private zero = 0;
  private readonly buckets = new Map<number, number>();
  private n = 0;

  /** Number of values added. */
  get count(): number {
    return this.n;
  }

  /** Adds one value (or `times` equal values); negative and non-finite values are refused. */
  add(value: number, times = 1): this {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`histogram value must be ≥ 0, got ${value}`);
    if (!Number.isInteger(times) || times < 1)
      throw new RangeError(`times must be a positive integer, got ${times}`);
    if (value <= HISTOGRAM_MIN_VALUE) this.zero += times;
    else {
      const i = bucketOf(value);
      this.buckets.set(i, (this.buckets.get(i) ?? 0) + times);
    }
    this.n += times;
    return this;
  }

  /**
   * The bucket a value falls in, for adding the same value to many histograms with `addToBucket`
   * (one logarithm instead of one per histogram); null for the zero bucket. The value must be ≥ 0.
   */
  static bucketIndex(value: number): number | null {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`histogram value must be ≥ 0, got ${value}`);
    return value <= HISTOGRAM_MIN_VALUE ? null : bucketOf(value);
  }

  /** Adds one value by its bucket from `Histogram.bucketIndex`. */
  addToBucket(index: number | null): this {
    if (index === null) this.zero++;
    else this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.n++;
    return this;
  }

  /** Adds every count of another histogram (or its serialised form) to this one. */
  merge(other: Histogram | HistogramData): this {
    const data = other instanceof Histogram ? other.toJSON() : other;
    this.zero += data.zero;
    this.n += data.zero;
    data.counts.forEach((c, k) => {
      if (c <= 0) return;
      const i = data.offset + k;
      this.buckets.set(i, (this.buckets.get(i) ?? 0) + c);
      this.n += c;
    });
    return this;
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1) of the added values, within the relative error of the value of rank
   * floor(q · (count − 1)) in sorted order; null when empty.
   */
  quantile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within 0..1, got ${q}`);
    if (this.n === 0) return null;
    const rank = Math.floor(q * (this.n - 1));
    if (rank < this.zero) return 0;
    let seen = this.zero;
    for (const i of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(i)!;
      if (seen > rank) return bucketValue(i);
    }
    return null; // unreachable: counts add up to n
  }

  /** Dense serialised form for storage and the wire. */
  toJSON(): HistogramData {
    if (this.buckets.size === 0) return { zero: this.zero, offset: 0, counts: [] };
    const keys = [...this.buckets.keys()];
    const lo = Math.min(...keys);
    const hi = Math.max(...keys);
    const counts = new Array<number>(hi - lo + 1).fill(0);
    for (const [i, c] of this.buckets) counts[i - lo] = c;
    return { zero: this.zero, offset: lo, counts };
  }

  static from(data: HistogramData): Histogram {
    return new Histogram().merge(data);
  }

  /**
   * Compact binary form for database columns: format byte 1, varint zero count, varint bucket count,
   * then per non-empty bucket the zigzag varint of its index minus the previous index and its varint
   * count. An hour of one probe on one device (≈ 60 values in ≈ 10 buckets) takes about 25 bytes.
   */
  encode(): Uint8Array {
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    const out: number[] = [ENCODING_VERSION];
    writeVarint(out, this.zero);
    writeVarint(out, keys.length);
    let prev = 0;
    for (const i of keys) {
      const d = i - prev;
      writeVarint(out, d >= 0 ? d * 2 : -d * 2 - 1);
      writeVarint(out, this.buckets.get(i)!);
      prev = i;
    }
    return Uint8Array.from(out);
  }

  /** Adds the counts of an encoded histogram (see `encode`); throws on bytes that are not one. */
  mergeEncoded(bytes: Uint8Array): this {
    if (bytes.length < 3 || bytes[0] !== ENCODING_VERSION)
      throw new RangeError('not an encoded histogram (unknown format byte)');
    const r = { bytes, pos: 1 };
    const zero = readVarint(r);
    const n = readVarint(r);
    this.zero += zero;
    this.n += zero;
    let i = 0;
    for (let k = 0; k < n; k++) {
      const z = readVarint(r);
      i += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      const c = readVarint(r);
      this.buckets.set(i, (this.buckets.get(i) ?? 0) + c);
      this.n += c;
    }
    if (r.pos !== bytes.length) throw new RangeError('not an encoded histogram (trailing bytes)');
    return this;
  }

  static decode(bytes: Uint8Array): Histogram {
    return new Histogram().mergeEncoded(bytes);
  }
}

const ENCODING_VERSION = 1;

function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readVarint(r: { bytes: Uint8Array; pos: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (r.pos >= r.bytes.length) throw new RangeError('not an encoded histogram (truncated)');
    const b = r.bytes[r.pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 0x80;
    if (scale > 2 ** 49) throw new RangeError('not an encoded histogram (varint too long)');
  }
}
