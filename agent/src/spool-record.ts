import * as zlib from 'node:zlib';

/** Bytes before each record's payload: u32 LE payload length, u32 LE CRC32 of the payload. */
export const RECORD_HEADER_BYTES = 8;
/** Larger payloads are taken for a corrupt length field (a frame is at most 1 MiB anyway). */
export const MAX_RECORD_PAYLOAD = 1024 * 1024;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE, as zip and PNG) by table; the fallback where node:zlib lacks crc32 (Node < 20.15). */
export function crc32Table(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 of `data`: node:zlib's native one when present, else the table. */
export const crc32: (data: Uint8Array) => number = native ? (d) => native(d) >>> 0 : crc32Table;

/** One record: header plus the UTF-8 JSON payload. */
export function encodeRecord(value: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, RECORD_HEADER_BYTES);
  return out;
}

/** A record found intact in a segment: where it starts, its total length and its parsed payload. */
export interface ScannedRecord {
  off: number;
  len: number;
  value: unknown;
}

export interface ScanResult {
  records: ScannedRecord[];
  /** byte length of the file up to the end of its last intact record */
  validBytes: number;
  /** damaged stretches between intact records (bad CRC, impossible length) that were skipped */
  badRecords: number;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** The payload of an intact record at `off`, or null. Cheap checks first so resync scans stay fast. */
function recordAt(buf: Buffer, off: number): { len: number; value: unknown } | null {
  if (off + RECORD_HEADER_BYTES > buf.length) return null;
  const size = buf.readUInt32LE(off);
  const start = off + RECORD_HEADER_BYTES;
  if (size < 2 || size > MAX_RECORD_PAYLOAD || start + size > buf.length) return null;
  if (buf[start] !== OPEN_BRACE || buf[start + size - 1] !== CLOSE_BRACE) return null;
  const payload = buf.subarray(start, start + size);
  if (crc32(payload) !== buf.readUInt32LE(off + 4)) return null;
  try {
    return { len: RECORD_HEADER_BYTES + size, value: JSON.parse(payload.toString('utf8')) };
  } catch {
    return null;
  }
}

/**
 * Reads every intact record of a segment. A damaged record is skipped by searching forward for the
 * next intact one (the length field itself may be what broke); damage with nothing intact after it is
 * a torn tail and ends the valid part.
 */
export function scanRecords(buf: Buffer): ScanResult {
  const records: ScannedRecord[] = [];
  let off = 0;
  let badRecords = 0;
  while (off < buf.length) {
    const here = recordAt(buf, off);
    if (here) {
      records.push({ off, len: here.len, value: here.value });
      off += here.len;
      continue;
    }
    let next = off + 1;
    while (next < buf.length && !recordAt(buf, next)) next++;
    if (next >= buf.length) break;
    badRecords++;
    off = next;
  }
  return { records, validBytes: off, badRecords };
}
