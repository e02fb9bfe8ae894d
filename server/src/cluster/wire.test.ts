import type { CommandResultFrame, LiveProbeSample } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import type { ClusterMessage } from './bus.js';
import { encodeMessage, MAX_PAYLOAD_BYTES, Reassembler } from './wire.js';

const sample = (i: number): LiveProbeSample => ({
  deviceId: `dev_${i.toString(16).padStart(12, '0')}`,
  app: i % 2 ? 'Standesamt – Übergangslösung' : 'Kfz-Zulassung',
  ts: 1_736_931_600_000 + i,
  ok: i % 7 !== 0,
  totalMs: 40 + (i % 300),
  ...(i % 7 === 0 ? { errorClass: 'timeout' as const } : {}),
});

function decodeAll(payloads: string[], r = new Reassembler()) {
  return payloads.map((p) => r.accept(p)).filter((m) => m !== null);
}

describe('cluster wire format', () => {
  it('sends a small message as one payload that names its node', () => {
    const payloads = encodeMessage('node-a', { type: 'devices', ids: ['d1', 'd2'] });
    expect(payloads).toHaveLength(1);
    expect(decodeAll(payloads)).toEqual([
      { from: 'node-a', message: { type: 'devices', ids: ['d1', 'd2'] } },
    ]);
  });

  it('splits 5000 probe samples into self-contained messages below the NOTIFY limit', () => {
    const samples = Array.from({ length: 5000 }, (_, i) => sample(i));
    const payloads = encodeMessage('node-a', { type: 'probes', samples });
    expect(payloads.length).toBeGreaterThan(40);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    // each payload alone is a whole message: a fresh reassembler per payload still decodes it
    const parts = payloads.map((p) => new Reassembler().accept(p));
    expect(parts.every((m) => m?.message.type === 'probes')).toBe(true);
    const joined = parts.flatMap((m) => (m?.message.type === 'probes' ? m.message.samples : []));
    expect(joined).toEqual(samples);
  });

  it('splits a long device list the same way', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `dev_${i}`);
    const payloads = encodeMessage('n', { type: 'devices', ids });
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const got = decodeAll(payloads).flatMap((m) => (m.message.type === 'devices' ? m.message.ids : []));
    expect(got).toEqual(ids);
  });

  it('fragments one large command result and joins the parts in any order', () => {
    const result = {
      type: 'commandResult',
      id: 'cmd_0123456789abcdef',
      status: 'done',
      message: 'Prüfung abgeschlossen ✓',
      results: Array.from({ length: 200 }, (_, i) => ({
        kind: 'probe',
        probeId: `p${i}`,
        app: 'Fachverfahren mit einem recht langen Namen',
        target: `https://fv-${i}.stadt.example/health`,
      })),
    } as unknown as CommandResultFrame;
    const message: ClusterMessage = { type: 'commandResult', deviceId: 'dev_1', result };
    const payloads = encodeMessage('node-b', message);
    expect(payloads.length).toBeGreaterThan(2);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const r = new Reassembler();
    const shuffled = [...payloads.slice(1).reverse(), payloads[0]!];
    const got = decodeAll(shuffled, r);
    expect(got).toEqual([{ from: 'node-b', message }]);
    expect(r.pending).toBe(0);
  });

  it('drops fragments whose other parts never come, after the time limit', () => {
    let now = 0;
    const r = new Reassembler(1000, () => now);
    const big: ClusterMessage = {
      type: 'commandResult',
      deviceId: 'd',
      result: { type: 'commandResult', id: 'c', status: 'done', results: [], message: 'x'.repeat(20_000) },
    };
    const payloads = encodeMessage('n', big, 2000);
    expect(r.accept(payloads[0]!)).toBeNull();
    expect(r.pending).toBe(1);
    now = 5000;
    // the next fragment of another message clears the stale one
    expect(r.accept(encodeMessage('n', big, 2000)[0]!)).toBeNull();
    expect(r.pending).toBe(1);
  });

  it('ignores payloads that are not messages', () => {
    const r = new Reassembler();
    for (const p of [
      'not json',
      '[]',
      '{"n":1,"m":{"type":"ping"}}',
      '{"n":"a","m":{"type":"unknown"}}',
      '{"n":"a","m":{"type":"devices","ids":"d1"}}',
      '{"n":"a","m":{"type":"command","deviceId":"d"}}',
      '{"n":"a","f":{"id":"x","i":3,"of":2,"b64":""}}',
    ])
      expect(r.accept(p)).toBeNull();
    expect(r.accept('{"n":"a","m":{"type":"ping"}}')).toEqual({ from: 'a', message: { type: 'ping' } });
  });
});
