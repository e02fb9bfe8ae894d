import { LIVE_WS_PATH, type LiveMessage } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { signIn } from '../test-support/auth.js';
import { connectAgent, enroll, fakeClock, identity, probe, startApp, vpn } from '../test-support/fixtures.js';
import { FrameSocket } from '../test-support/frame-socket.js';

describe('live hub', () => {
  const clock = fakeClock();
  const T0 = clock.now();
  let app: FastifyInstance | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function setup(liveFlushMs: number) {
    const started = await startApp({ now: clock.now, liveFlushMs });
    app = started.app;
    const creds = await enroll(started.app);
    await started.app.live.flush(); // the enrollment's own push is not part of what a test watches
    const { cookie } = await signIn(started.app, 'viewer');
    const dashboard = await FrameSocket.open(`${started.ws}${LIVE_WS_PATH}`, { headers: { cookie } });
    const snapshot = await dashboard.next<LiveMessage>();
    return { ...started, creds, dashboard, snapshot };
  }

  it('sends a snapshot of the fleet on connect, then the device update after a batch', async () => {
    const { ws, creds, dashboard, snapshot } = await setup(20);
    expect(snapshot).toMatchObject({ type: 'snapshot', serverTime: T0, fleet: { devices: 1, online: 0 } });
    expect(snapshot.type === 'snapshot' && snapshot.devices.map((d) => d.id)).toEqual([creds.deviceId]);

    const agent = await connectAgent(ws, creds);
    // connecting alone is news: the device went online
    expect(await dashboard.next()).toMatchObject({
      type: 'device',
      device: { id: creds.deviceId, online: true },
    });
    expect(await dashboard.next()).toMatchObject({ type: 'fleet', fleet: { online: 1 } });

    agent.socket.send({
      type: 'batch',
      observations: [identity(1, T0, { hostname: 'NB-LIVE' }), vpn(2, T0, 'up')],
    });
    expect(await dashboard.next()).toMatchObject({
      type: 'device',
      device: { id: creds.deviceId, hostname: 'NB-LIVE', vpn: { state: 'up' } },
    });
    expect(await dashboard.next()).toMatchObject({ type: 'fleet', fleet: { vpn: { up: 1, unknown: 0 } } });
    await agent.socket.close();
    expect(await dashboard.next()).toMatchObject({ type: 'device', device: { online: false } });
    await dashboard.close();
  });

  it('coalesces a storm of batches into one device message and one probes message', async () => {
    const { ws, creds, dashboard } = await setup(60_000);
    const agent = await connectAgent(ws, creds);
    for (let seq = 1; seq <= 20; seq++) {
      const observations = [probe(seq * 2, T0 + seq, { phases: { totalMs: seq } })];
      if (seq % 5 === 0) observations.unshift(vpn(seq * 2 - 1, T0 + seq, seq % 10 === 0 ? 'up' : 'down'));
      agent.socket.send({ type: 'batch', observations });
    }
    for (let i = 0; i < 20; i++) await agent.socket.next();
    await app!.live.flush();
    const messages: LiveMessage[] = [];
    for (let i = 0; i < 3; i++) messages.push(await dashboard.next<LiveMessage>());
    expect(messages.map((m) => m.type)).toEqual(['device', 'fleet', 'probes']);
    expect(messages[0]).toMatchObject({ device: { online: true, vpn: { state: 'up' } } });
    const probes = messages[2];
    expect(probes?.type === 'probes' && probes.samples.map((s) => s.totalMs)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(probes?.type === 'probes' && probes.samples[0]).toEqual({
      deviceId: creds.deviceId,
      app: 'Standesamt',
      ts: T0 + 1,
      ok: true,
      totalMs: 1,
    });
    await app!.live.flush();
    expect(dashboard.drain()).toEqual([]);
    await agent.socket.close();
    await dashboard.close();
  });

  it('sends no fleet message when the counts did not change', async () => {
    const { ws, creds, dashboard } = await setup(20);
    const agent = await connectAgent(ws, creds);
    await dashboard.next(); // device online
    await dashboard.next(); // fleet online 1
    agent.socket.send({ type: 'batch', observations: [identity(1, T0, { hostname: 'RENAMED' })] });
    expect(await dashboard.next()).toMatchObject({ type: 'device', device: { hostname: 'RENAMED' } });
    agent.socket.send({ type: 'batch', observations: [probe(2, T0)] });
    expect(await dashboard.next()).toMatchObject({ type: 'probes' });
    expect(dashboard.drain()).toEqual([]);
    await agent.socket.close();
    await dashboard.close();
  });

  it('pushes a newly enrolled notebook to dashboards', async () => {
    const { dashboard } = await setup(20);
    const creds = await enroll(app!, 'hw-new', 'nb-neu');
    expect(await dashboard.next()).toMatchObject({
      type: 'device',
      device: { id: creds.deviceId, hostname: 'nb-neu' },
    });
    expect(await dashboard.next()).toMatchObject({ type: 'fleet', fleet: { devices: 2 } });
    await dashboard.close();
  });
});
