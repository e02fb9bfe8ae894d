import { ERRORS } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import { connectAgent, enroll, probe, startApp } from '../test-support/fixtures.js';

const T = Date.UTC(2025, 0, 15, 9);

describe('agents that misbehave', () => {
  it('refuses a flood of frames from one agent with LB_ERR_SERVER_BUSY and close 1013, and keeps serving the others', async () => {
    const { app, ws } = await startApp({ agentFrameRatePerSec: 20, agentFrameBurst: 50 });
    const flooder = await connectAgent(ws, await enroll(app, 'hw-flood', 'nb-flood'));
    const calm = await connectAgent(ws, await enroll(app, 'hw-calm', 'nb-calm'));
    for (let seq = 1; seq <= 500; seq++)
      flooder.socket.send({ type: 'batch', observations: [probe(seq, T + seq)] });
    const frames: Record<string, unknown>[] = [];
    const closed = await flooder.socket.closed;
    frames.push(...(flooder.socket.drain() as Record<string, unknown>[]));
    expect(closed.code).toBe(ERRORS.LB_ERR_SERVER_BUSY.close);
    const busy = frames.find((f) => f.type === 'error');
    expect(busy).toMatchObject({ code: 'LB_ERR_SERVER_BUSY' });
    expect(busy?.retryAfterMs).toBeGreaterThan(0);
    // what was acknowledged is stored; nothing beyond the burst was even parsed
    const acked = Math.max(0, ...frames.filter((f) => f.type === 'ack').map((f) => f.seq as number));
    expect(acked).toBeLessThanOrEqual(55);
    expect((await app.store.deviceAuth(flooder.welcome.deviceId as string))?.lastSeq).toBe(acked);

    calm.socket.send({ type: 'batch', observations: [probe(1, T)] });
    expect(await calm.socket.next()).toMatchObject({ type: 'ack', seq: 1 });
    await calm.socket.close();
    await app.close();
  });

  it('refuses an agent that sends far more frames than the server has handled, whatever the rate limit', async () => {
    // a store that takes its time, like a database across the network: unhandled frames pile up
    const sqlite = new SqliteStore(':memory:');
    const slow = new Proxy(sqlite, {
      get(target, key, receiver) {
        if (key === 'ingestBatch')
          return async (...args: Parameters<SqliteStore['ingestBatch']>) => {
            await new Promise((r) => setTimeout(r, 20));
            return target.ingestBatch(...args);
          };
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { app, ws } = await startApp({
      store: slow,
      agentFrameRatePerSec: 1e6,
      agentFrameBurst: 1e6,
      maxQueuedFrames: 16,
    });
    const flooder = await connectAgent(ws, await enroll(app, 'hw-flood', 'nb-flood'));
    for (let seq = 1; seq <= 100; seq++)
      flooder.socket.send({ type: 'batch', observations: [probe(seq, T + seq)] });
    expect((await flooder.socket.closed).code).toBe(1013);
    const frames = flooder.socket.drain() as Record<string, unknown>[];
    expect(frames.find((f) => f.type === 'error')).toMatchObject({ code: 'LB_ERR_SERVER_BUSY' });
    // every ack that left is stored; the frames still queued when the connection ended were not half-stored
    const acked = Math.max(0, ...frames.filter((f) => f.type === 'ack').map((f) => f.seq as number));
    await expect
      .poll(async () => (await app.store.deviceAuth(flooder.welcome.deviceId as string))?.lastSeq)
      .toBeGreaterThanOrEqual(acked);
    expect((await app.store.deviceAuth(flooder.welcome.deviceId as string))?.lastSeq).toBeLessThan(100);
    await app.close();
  });

  it('drops an agent that never reads its socket once too much is queued for it, instead of buffering without bound', async () => {
    const { app, ws } = await startApp({ maxBufferedBytes: 256 * 1024 });
    // a config of 200 probes is about 40 KB: pushing it again and again fills any buffer
    const probes = Array.from({ length: 200 }, (_, i) => ({
      id: `p${i}`,
      app: `Fachverfahren ${i}`,
      kind: 'http' as const,
      target: `https://fachverfahren-${i}.stadt.example/health/${'x'.repeat(80)}`,
      intervalSec: 60,
      timeoutMs: 5000,
    }));
    await app.probeConfig.replace(probes);
    const creds = await enroll(app, 'hw-slow', 'nb-slow');
    const { socket } = await connectAgent(ws, creds);
    // the client stops reading: TCP windows fill, then ws would queue in server memory
    const raw = (socket.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    let pushes = 0;
    while (app.gateway.isConnected(creds.deviceId) && pushes < 2000) {
      await app.gateway.pushConfig();
      pushes++;
      if (pushes % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(app.gateway.isConnected(creds.deviceId)).toBe(false);
    // dropped long before 2000 pushes (80 MB) were queued
    expect(pushes).toBeLessThan(2000);
    raw.resume();
    expect((await socket.closed).code).toBe(1006);
    await expect.poll(async () => (await app.store.deviceDetail(creds.deviceId, 1))?.online).toBe(false);
    await app.close();
  });
});
