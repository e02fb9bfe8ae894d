import { randomBytes } from 'node:crypto';
import type { ClusterMessage } from './bus.js';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; the rest is headroom. */
export const MAX_PAYLOAD_BYTES = 7900;

/** One whole message: `n` is the sending node. */
interface Envelope {
  n: string;
  m: ClusterMessage;
}

/** A part of a message too large for one payload (a command result with many observations). */
interface Fragment {
  n: string;
  f: { id: string; i: number; of: number; b64: string };
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Turns one message into payloads of at most `limit` bytes. Device and sample lists are split into
 * several messages that each stand alone (a lost one loses only its part); a single item that is still
 * too large is cut into fragments that the receiver's Reassembler joins again.
 */
export function encodeMessage(nodeId: string, message: ClusterMessage, limit = MAX_PAYLOAD_BYTES): string[] {
  const whole = JSON.stringify({ n: nodeId, m: message } satisfies Envelope);
  if (bytes(whole) <= limit) return [whole];
  if (message.type === 'devices' && message.ids.length > 1)
    return packList(message.ids, (ids) => ({ type: 'devices', ids }), nodeId, limit);
  if (message.type === 'probes' && message.samples.length > 1)
    return packList(message.samples, (samples) => ({ type: 'probes', samples }), nodeId, limit);
  return fragment(nodeId, whole, limit);
}

function packList<T>(
  items: T[],
  make: (items: T[]) => ClusterMessage,
  nodeId: string,
  limit: number,
): string[] {
  const overhead = bytes(JSON.stringify({ n: nodeId, m: make([]) } satisfies Envelope));
  const out: string[] = [];
  let part: T[] = [];
  let size = overhead;
  const emit = () => {
    if (part.length > 0) out.push(...encodeMessage(nodeId, make(part), limit));
    part = [];
    size = overhead;
  };
  for (const item of items) {
    // +1 for the comma between items
    const itemBytes = bytes(JSON.stringify(item)) + 1;
    if (size + itemBytes > limit) emit();
    part.push(item);
    size += itemBytes;
  }
  emit();
  return out;
}

function fragment(nodeId: string, whole: string, limit: number): string[] {
  const id = randomBytes(6).toString('hex');
  const raw = Buffer.from(whole, 'utf8');
  // the envelope of a fragment without its data, with room for large part numbers
  const overhead = bytes(JSON.stringify({ n: nodeId, f: { id, i: 999_999, of: 999_999, b64: '' } }));
  const chunk = Math.floor((limit - overhead) / 4) * 3;
  if (chunk <= 0) throw new RangeError(`payload limit ${limit} is too small for a fragment`);
  const of = Math.ceil(raw.length / chunk);
  const out: string[] = [];
  for (let i = 0; i < of; i++) {
    const b64 = raw.subarray(i * chunk, (i + 1) * chunk).toString('base64');
    out.push(JSON.stringify({ n: nodeId, f: { id, i, of, b64 } } satisfies Fragment));
  }
  return out;
}

const MESSAGE_TYPES = new Set<string>([
  'devices',
  'probes',
  'commandResult',
  'command',
  'delivered',
  'ping',
  'pong',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Enough of a shape check that a listener never trips over a malformed message from a foreign writer. */
function isMessage(m: unknown): m is ClusterMessage {
  if (!isObject(m) || typeof m.type !== 'string' || !MESSAGE_TYPES.has(m.type)) return false;
  switch (m.type) {
    case 'devices':
      return Array.isArray(m.ids) && m.ids.every((id) => typeof id === 'string');
    case 'probes':
      return Array.isArray(m.samples) && m.samples.every(isObject);
    case 'commandResult':
      return typeof m.deviceId === 'string' && isObject(m.result) && typeof m.result.id === 'string';
    case 'command':
      return typeof m.deviceId === 'string' && typeof m.commandId === 'string';
    case 'delivered':
      return typeof m.commandId === 'string';
    default:
      return true;
  }
}

export interface Received {
  from: string;
  message: ClusterMessage;
}

interface PendingMessage {
  parts: (Buffer | undefined)[];
  missing: number;
  startedAt: number;
}

/** Decodes payloads back into messages, joining fragments; incomplete ones are dropped after `ttlMs`. */
export class Reassembler {
  private readonly partials = new Map<string, PendingMessage>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The message a payload completes, or null (a fragment still waiting, or nothing usable). */
  accept(payload: string): Received | null {
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return null;
    }
    if (!isObject(value) || typeof value.n !== 'string') return null;
    if (isObject(value.f)) return this.fragment(value.n, value.f);
    return isMessage(value.m) ? { from: value.n, message: value.m } : null;
  }

  /** Fragments waiting for their other parts (for tests and a bounded memory). */
  get pending(): number {
    return this.partials.size;
  }

  private fragment(from: string, f: Record<string, unknown>): Received | null {
    const { id, i, of, b64 } = f;
    if (typeof id !== 'string' || typeof b64 !== 'string') return null;
    if (!Number.isInteger(i) || !Number.isInteger(of) || (of as number) < 1 || (of as number) > 10_000)
      return null;
    const index = i as number;
    const count = of as number;
    if (index < 0 || index >= count) return null;
    this.expire();
    const key = `${from}/${id}`;
    let p = this.partials.get(key);
    if (!p) {
      p = { parts: new Array(count).fill(undefined), missing: count, startedAt: this.now() };
      this.partials.set(key, p);
    }
    if (p.parts.length !== count || p.parts[index]) return null;
    p.parts[index] = Buffer.from(b64, 'base64');
    p.missing--;
    if (p.missing > 0) return null;
    this.partials.delete(key);
    const whole = this.accept(Buffer.concat(p.parts as Buffer[]).toString('utf8'));
    // a fragment never carries fragments, and only its sender may have written it
    return whole && whole.from === from ? whole : null;
  }

  private expire(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [key, p] of this.partials) if (p.startedAt < cutoff) this.partials.delete(key);
  }
}
