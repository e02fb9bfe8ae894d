import {
  AGENT_WS_PATH,
  decodeAgentFrame,
  ERROR_CODES,
  ERRORS,
  type ErrorCode,
  isLagebildError,
  MAX_FRAME_BYTES,
  type Observation,
} from '@lagebild/shared';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SqliteStore } from '../store/sqlite-store.js';
import { enroll, health, hello, probe, startApp, vpn } from '../test-support/fixtures.js';
import { WS_MAX_PAYLOAD } from './websocket.js';

/** Close codes a refusal may end with: every code of the catalogue, plus ws's own "message too big". */
const DOCUMENTED_CLOSES = new Set<number>([...Object.values(ERRORS).map((e) => e.close), 1009]);

type Payload = string | Buffer;

/** One thrown frame and whether it is sent before hello (unauthenticated) or after welcome. */
interface Throw {
  payload: Payload;
  beforeHello: boolean;
}

// ---- generators ----

const T = Date.UTC(2025, 0, 15, 9);

const observation = (seq: number): fc.Arbitrary<Observation> =>
  fc.constantFrom<Observation>(probe(seq, T + seq), vpn(seq, T + seq, 'up'), health(seq, T + seq));

/** A valid batch with strictly increasing seqs, sometimes overlapping what was stored. */
const validBatch = fc
  .tuple(
    fc.integer({ min: 1, max: 400 }),
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
  )
  .chain(([base, steps]) => {
    const seqs = steps.map((_, i) => base + steps.slice(0, i + 1).reduce((a, b) => a + b, 0));
    return fc.tuple(...seqs.map(observation));
  })
  .map((observations) => ({ type: 'batch', observations }));

const validResult = fc.record({
  type: fc.constant('commandResult'),
  id: fc.constantFrom('cmd_0123456789abcdef', 'cmd_x'),
  status: fc.constantFrom('running', 'done', 'failed'),
  results: fc.constant([]),
});

/** A well-formed hello with credentials nobody was given. */
const foreignHello = fc
  .tuple(fc.stringMatching(/^dev_[0-9a-f]{16}$/), fc.base64String({ minLength: 16, maxLength: 64 }))
  .map(([deviceId, token]) => hello(deviceId, token));

const validFrame = fc.oneof(validBatch, validResult, foreignHello);

/** Breaks a valid frame in one place: a field removed, replaced by any JSON value, or added. */
const mutatedFrame = fc
  .tuple(
    validFrame,
    fc.nat(),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('drop', 'replace', 'add', 'deep'),
  )
  .map(([frame, pick, value, how]) => {
    const f = structuredClone(frame) as Record<string, unknown>;
    const target =
      how === 'deep' && Array.isArray(f.observations)
        ? (f.observations[pick % f.observations.length] as Record<string, unknown>)
        : f;
    const keys = Object.keys(target);
    const key = keys[pick % keys.length] as string;
    if (how === 'drop') delete target[key];
    else if (how === 'add') target[`x${pick % 7}`] = value;
    else target[key] = value;
    return f;
  });

const asText = (value: unknown): Payload => JSON.stringify(value) ?? 'undefined';

const oversized = fc
  .integer({ min: MAX_FRAME_BYTES - 64, max: WS_MAX_PAYLOAD + 4096 })
  .map((size) => `{"type":"batch","observations":[],"pad":"${'x'.repeat(size)}"}`);

const anyThrow: fc.Arbitrary<Throw> = fc.record({
  payload: fc.oneof(
    { weight: 25, arbitrary: fc.jsonValue().map(asText) },
    { weight: 35, arbitrary: mutatedFrame.map(asText) },
    { weight: 15, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)) },
    { weight: 10, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 14, arbitrary: validFrame.map(asText) },
    { weight: 1, arbitrary: oversized },
  ),
  // a quarter arrive before hello: what an unauthenticated peer can do matters as much
  beforeHello: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
});

// ---- a driver that keeps one agent connection going and predicts every answer ----

interface Expectation {
  /** acks to wait for; undefined when the connection must end */
  acks?: number;
  code?: ErrorCode;
  close?: number;
}

class Driver {
  private socket: WebSocket | undefined;
  private frames: Record<string, unknown>[] = [];
  private closeCode: number | undefined;
  private notify: () => void = () => {};
  /** what the server must have stored: highest seq and probe samples */
  lastSeq = 0;
  probes = 0;
  sent = 0;
  accepted = 0;
  refusals = new Map<string, number>();

  constructor(
    private readonly url: string,
    private readonly creds: { deviceId: string; token: string },
  ) {}

  private async open(): Promise<void> {
    this.frames = [];
    this.closeCode = undefined;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    // events of a connection already given up must not leak into the next one
    socket.on('message', (data) => {
      if (socket !== this.socket) return;
      this.frames.push(JSON.parse(data.toString()));
      this.notify();
    });
    socket.on('close', (code) => {
      if (socket !== this.socket) return;
      this.closeCode = code;
      this.notify();
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
  }

  private until(done: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), 5000);
      this.notify = () => {
        if (done()) {
          clearTimeout(timer);
          resolve();
        }
      };
      this.notify();
    });
  }

  /** A fresh connection after hello; the server's ackSeq must be exactly what valid batches stored. */
  private async ready(): Promise<void> {
    await this.open();
    this.socket!.send(JSON.stringify(hello(this.creds.deviceId, this.creds.token)));
    await this.until(() => this.frames.length >= 2 || this.closeCode !== undefined, 'welcome');
    const [welcome] = this.frames.splice(0, 2);
    expect(welcome).toMatchObject({ type: 'welcome', ackSeq: this.lastSeq });
  }

  /** What the server must answer to `payload` on a connection in `state`. */
  private expect(payload: Payload, beforeHello: boolean): Expectation {
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    if (size > WS_MAX_PAYLOAD) return { close: 1009 };
    try {
      const frame = decodeAgentFrame(payload);
      if (beforeHello) {
        // a thrown hello carries foreign credentials: refused like any wrong token
        return { code: frame.type === 'hello' ? 'LB_ERR_AUTH_INVALID' : 'LB_ERR_FRAME_UNEXPECTED' };
      }
      if (frame.type === 'hello') return { code: 'LB_ERR_FRAME_UNEXPECTED' };
      if (frame.type === 'commandResult') return { acks: 1 };
      for (const o of frame.observations) {
        if (o.seq <= this.lastSeq) continue;
        this.lastSeq = o.seq;
        if (o.kind === 'probe') this.probes++;
      }
      return { acks: 2 };
    } catch (e) {
      if (!isLagebildError(e)) throw e;
      return { code: e.code };
    }
  }

  /** Throws one frame, then a resend of seq 1 as a barrier whose ack proves everything before was handled. */
  async throw({ payload, beforeHello }: Throw): Promise<void> {
    if (!this.socket || this.closeCode !== undefined || beforeHello) {
      this.socket?.terminate();
      if (beforeHello) await this.open();
      else await this.ready();
    }
    const expected = this.expect(payload, beforeHello);
    this.sent++;
    this.socket!.send(payload);
    if (expected.acks !== undefined) {
      this.lastSeq = Math.max(this.lastSeq, 1); // the barrier stores seq 1 when nothing was stored yet
      this.socket!.send(JSON.stringify({ type: 'batch', observations: [health(1, T)] }));
      await this.until(
        () =>
          this.frames.filter((f) => f.type === 'ack').length >= expected.acks! ||
          this.closeCode !== undefined,
        'acks',
      );
      expect(this.closeCode).toBeUndefined();
      expect(this.frames.every((f) => f.type === 'ack')).toBe(true);
      expect(this.frames.at(-1)).toMatchObject({ type: 'ack', seq: this.lastSeq });
      this.frames = [];
      this.accepted++;
      return;
    }
    await this.until(() => this.closeCode !== undefined, 'close');
    const error = this.frames.find((f) => f.type === 'error');
    const key = expected.code ?? `close ${expected.close}`;
    this.refusals.set(key, (this.refusals.get(key) ?? 0) + 1);
    expect(DOCUMENTED_CLOSES.has(this.closeCode!)).toBe(true);
    if (expected.code) {
      expect(error?.code).toBe(expected.code);
      expect(ERROR_CODES).toContain(error?.code);
      expect(this.closeCode).toBe(ERRORS[expected.code].close);
    } else {
      expect(this.closeCode).toBe(expected.close);
    }
  }

  close(): void {
    this.socket?.terminate();
  }
}

/** A well-behaved agent that keeps sending while the others misbehave; it must never be disturbed. */
function bystander(url: string, creds: { deviceId: string; token: string }) {
  const socket = new WebSocket(url);
  let seq = 0;
  const acks: number[] = [];
  let closed: number | undefined;
  socket.on('open', () => socket.send(JSON.stringify(hello(creds.deviceId, creds.token))));
  socket.on('message', (data) => {
    const f = JSON.parse(data.toString());
    if (f.type === 'ack') acks.push(f.seq);
  });
  socket.on('close', (code) => (closed = code));
  const timer = setInterval(() => {
    if (socket.readyState !== WebSocket.OPEN || acks.length < seq - 5) return;
    seq++;
    socket.send(JSON.stringify({ type: 'batch', observations: [probe(seq, T + seq)] }));
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return { sent: seq, acks, closed, socket };
    },
  };
}

const countProbes = (app: FastifyInstance, deviceId: string) =>
  (
    (app.store as SqliteStore).db
      .prepare('SELECT count(*) AS n FROM probe_samples WHERE device_id = ?')
      .get(deviceId) as { n: number }
  ).n;

describe('gateway under random input', () => {
  it('answers 10,000 random frames with coded errors or documented closes, stores exactly the valid batches, and leaves other agents alone', async () => {
    const { app, ws } = await startApp({
      connectRatePerSec: 100_000,
      connectBurst: 100_000,
      agentFrameRatePerSec: 100_000,
      agentFrameBurst: 100_000,
    });
    const url = `${ws}${AGENT_WS_PATH}`;
    const calm = await enroll(app, 'hw-calm', 'nb-calm');
    const watcher = bystander(url, calm);
    const creds = await Promise.all([0, 1, 2, 3].map((i) => enroll(app, `hw-fuzz-${i}`, `nb-fuzz-${i}`)));
    const drivers = creds.map((c) => new Driver(url, c));

    await Promise.all(
      drivers.map((d, i) =>
        fc.assert(
          fc.asyncProperty(anyThrow, (t) => d.throw(t)),
          { numRuns: 2500, seed: 4711 + i, endOnFailure: true },
        ),
      ),
    );
    const total = drivers.reduce((n, d) => n + d.sent, 0);
    expect(total).toBeGreaterThanOrEqual(10_000);

    for (const [i, d] of drivers.entries()) {
      d.close();
      const auth = await app.store.deviceAuth(creds[i]!.deviceId);
      expect(auth?.lastSeq).toBe(d.lastSeq);
      expect(countProbes(app, creds[i]!.deviceId)).toBe(d.probes);
    }
    const calmResult = watcher.stop();
    expect(calmResult.closed).toBeUndefined();
    expect(calmResult.sent).toBeGreaterThan(20);
    await expect.poll(() => calmResult.acks.at(-1)).toBe(calmResult.sent);
    expect(countProbes(app, calm.deviceId)).toBe(calmResult.sent);
    expect((await fetch(`${ws.replace('ws', 'http')}/healthz`)).status).toBe(200);

    const refusals = new Map<string, number>();
    for (const d of drivers) for (const [k, n] of d.refusals) refusals.set(k, (refusals.get(k) ?? 0) + n);
    const accepted = drivers.reduce((n, d) => n + d.accepted, 0);
    console.log(
      'gateway fuzz:',
      total,
      'frames,',
      accepted,
      'accepted; refusals',
      Object.fromEntries(refusals),
    );
    calmResult.socket.close();
    await app.close();
  }, 120_000);
});
