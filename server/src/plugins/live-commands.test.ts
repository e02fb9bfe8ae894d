import { type CommandFrame, LIVE_WS_PATH, type LiveMessage } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { signIn } from '../test-support/auth.js';
import { connectAgent, enroll, probe, startApp } from '../test-support/fixtures.js';
import { FrameSocket } from '../test-support/frame-socket.js';

/** The first live message (queued or still to come) that matches; others are skipped. */
async function nextMatching(socket: FrameSocket, match: (m: LiveMessage) => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await socket.next<LiveMessage>(Math.max(1, deadline - Date.now()));
    if (match(m)) return m;
  }
}

const isResult = (m: LiveMessage) => m.type === 'commandResult';

describe('"check now" results on the live socket', () => {
  let app: FastifyInstance | undefined;
  const sockets: FrameSocket[] = [];

  afterEach(async () => {
    for (const s of sockets.splice(0)) await s.close();
    await app?.close();
    app = undefined;
  });

  async function setup() {
    const started = await startApp();
    app = started.app;
    const creds = await enroll(started.app, 'hw-a', 'nb-a');
    const other = await enroll(started.app, 'hw-b', 'nb-b');
    const agent = await connectAgent(started.ws, creds);
    sockets.push(agent.socket);
    const dashboard = async (role: 'servicedesk' | 'viewer' | 'admin', watch: string | null) => {
      const { cookie } = await signIn(started.app, role, `${role}-${sockets.length}`);
      const socket = await FrameSocket.open(`${started.ws}${LIVE_WS_PATH}`, { headers: { cookie } });
      sockets.push(socket);
      expect(await socket.next<LiveMessage>()).toMatchObject({ type: 'snapshot' });
      if (watch !== undefined) socket.send({ type: 'watch', deviceId: watch });
      return { socket, cookie };
    };
    return { ...started, creds, other, agent, dashboard };
  }

  it('pushes running and then the results to the dashboard watching the device, as they arrive', async () => {
    const { http, creds, agent, dashboard } = await setup();
    const watcher = await dashboard('servicedesk', creds.deviceId);
    const res = await fetch(`${http}/api/v1/devices/${creds.deviceId}/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: watcher.cookie },
      body: JSON.stringify({ check: 'checkNow' }),
    });
    const sent = (await res.json()) as { commandId: string; delivered: boolean };
    expect({ status: res.status, delivered: sent.delivered }).toEqual({ status: 200, delivered: true });
    const command = await agent.socket.next<CommandFrame>();
    expect(command).toMatchObject({ type: 'command', id: sent.commandId, check: 'checkNow' });

    agent.socket.send({ type: 'commandResult', id: command.id, status: 'running', results: [] });
    const running = await nextMatching(watcher.socket, isResult);
    expect(running).toMatchObject({
      type: 'commandResult',
      deviceId: creds.deviceId,
      commandId: sent.commandId,
      status: 'running',
      results: [],
    });

    const { seq: _seq, ts: _ts, ...result } = probe(0, 0, { ok: false, errorClass: 'dns' });
    const sentAt = Date.now();
    agent.socket.send({
      type: 'commandResult',
      id: command.id,
      status: 'done',
      results: [result],
      message: '1 Prüfung',
    });
    const done = await nextMatching(watcher.socket, isResult);
    // nothing coalesces results: they are pushed at once, not at the next live flush
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(done).toMatchObject({
      status: 'done',
      message: '1 Prüfung',
      results: [{ kind: 'probe', app: 'Standesamt', ok: false, errorClass: 'dns' }],
    });
  });

  it('sends results only to dashboards watching that device, and never to a viewer', async () => {
    const { creds, other, agent, dashboard } = await setup();
    const watcher = await dashboard('admin', creds.deviceId);
    const elsewhere = await dashboard('servicedesk', other.deviceId);
    const viewer = await dashboard('viewer', creds.deviceId);
    const stopped = await dashboard('servicedesk', creds.deviceId);
    stopped.socket.send({ type: 'watch', deviceId: null });
    // garbage is ignored, the connection stays up
    stopped.socket.send({ type: 'watch', deviceId: 42 });
    stopped.socket.ws.send('not json');

    await new Promise((r) => setTimeout(r, 100)); // the watch messages are read before the result comes
    agent.socket.send({
      type: 'commandResult',
      id: 'cmd_unknown',
      status: 'failed',
      results: [],
      message: 'x',
    });
    expect(await nextMatching(watcher.socket, isResult)).toMatchObject({
      deviceId: creds.deviceId,
      commandId: 'cmd_unknown',
      status: 'failed',
    });
    await new Promise((r) => setTimeout(r, 200));
    for (const s of [elsewhere, viewer, stopped])
      expect(s.socket.drain().filter((m) => (m as LiveMessage).type === 'commandResult')).toEqual([]);
    expect(stopped.socket.ws.readyState).toBe(stopped.socket.ws.OPEN);
  });
});
