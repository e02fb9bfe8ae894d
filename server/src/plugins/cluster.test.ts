import { type CommandFrame, LIVE_WS_PATH, type LiveMessage } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PgBus } from '../cluster/pg-bus.js';
import type { CommandResultEvent } from '../live/hub.js';
import { PgStore } from '../store/pg/pg-store.js';
import { signIn } from '../test-support/auth.js';
import { connectAgent, enroll, probe, startApp, vpn } from '../test-support/fixtures.js';
import { FrameSocket } from '../test-support/frame-socket.js';
import { freshSchema, requirePg, TEST_PG_URL } from '../test-support/pg.js';

const run = await requirePg('server nodes sharing PostgreSQL');

/** The first live message (already queued or still to come) that matches; others are skipped. */
async function nextMatching(socket: FrameSocket, match: (m: LiveMessage) => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await socket.next<LiveMessage>(Math.max(1, deadline - Date.now()));
    if (match(m)) return m;
  }
}

describe.runIf(run)('two server nodes on one PostgreSQL (in one process)', () => {
  let schema: Awaited<ReturnType<typeof freshSchema>>;
  const apps: FastifyInstance[] = [];

  async function node(options: { commandRelayWaitMs?: number } = {}) {
    const pg = { url: TEST_PG_URL, schema: schema.schema };
    const started = await startApp({ store: await PgStore.open(pg), pg, liveFlushMs: 20, ...options });
    apps.push(started.app);
    return started;
  }

  beforeAll(async () => {
    schema = await freshSchema('lbcluster');
  });
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close();
  });
  afterAll(async () => {
    await schema?.drop();
  });

  it('shows node A’s agent live on node B and leaves A’s devices online when B starts', async () => {
    const a = await node();
    expect(a.app.cluster).toMatchObject({ joined: false, bus: { shared: true } });
    const creds = await enroll(a.app, 'hw-live', 'nb-live');
    const agent = await connectAgent(a.ws, creds);

    const b = await node();
    // a third listener on the channel sees who sends what
    const observer = new PgBus({ url: TEST_PG_URL, schema: schema.schema });
    await observer.start();
    const heard: [string, string][] = [];
    observer.subscribe((m, from) => heard.push([from === a.app.cluster.bus.nodeId ? 'A' : 'B', m.type]));
    // B joined a running node: A's connected device must not have been marked offline
    expect(b.app.cluster.joined).toBe(true);
    const [summary] = await b.app.store.deviceSummaries([creds.deviceId]);
    expect(summary?.online).toBe(true);

    // sessions live in the shared database: signed in on A, accepted by B
    const { cookie } = await signIn(a.app, 'viewer');
    const dashboard = await FrameSocket.open(`${b.ws}${LIVE_WS_PATH}`, { headers: { cookie } });
    const snapshot = await dashboard.next<LiveMessage>();
    expect(snapshot.type === 'snapshot' && snapshot.devices.map((d) => [d.id, d.online])).toEqual([
      [creds.deviceId, true],
    ]);

    const t = Date.now();
    agent.socket.send({ type: 'batch', observations: [vpn(1, t, 'down'), probe(2, t, { ok: false })] });
    expect(await agent.socket.next()).toMatchObject({ type: 'ack', seq: 2 });
    expect(
      await nextMatching(dashboard, (m) => m.type === 'device' && m.device.vpn.state === 'down'),
    ).toMatchObject({ device: { id: creds.deviceId, online: true } });
    expect(await nextMatching(dashboard, (m) => m.type === 'probes')).toMatchObject({
      samples: [{ deviceId: creds.deviceId, app: 'Standesamt', ok: false }],
    });
    // B pushed A's events to its dashboards but did not send them on again (no echo between nodes)
    await new Promise((r) => setTimeout(r, 300));
    expect(heard.filter(([from]) => from === 'B')).toEqual([]);
    expect(heard).toContainEqual(['A', 'probes']);
    await observer.close();

    // B loses its listening connection: once back, its dashboards get the whole picture again
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
      `lagebild-bus ${b.app.cluster.bus.nodeId}`,
    ]);
    await admin.end();
    expect(await nextMatching(dashboard, (m) => m.type === 'snapshot', 15_000)).toMatchObject({
      devices: [{ id: creds.deviceId, online: true, vpn: { state: 'down' } }],
    });

    // node A stops: its agents are recorded offline and B's dashboards see it
    await apps.shift()?.close();
    expect(
      await nextMatching(dashboard, (m) => m.type === 'device' && m.device.id === creds.deviceId),
    ).toMatchObject({ device: { online: false } });
    await dashboard.close();
  });

  it('delivers a check asked for on node B to the agent on node A and reports the result back', async () => {
    const a = await node();
    const b = await node();
    const creds = await enroll(a.app, 'hw-cmd', 'nb-cmd');
    const agent = await connectAgent(a.ws, creds);
    const results: CommandResultEvent[] = [];
    b.app.live.onCommandResult((e) => results.push(e));

    const { cookie } = await signIn(a.app, 'servicedesk');
    const res = await fetch(`${b.http}/api/v1/devices/${creds.deviceId}/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ check: 'vpn' }),
    });
    const sent = (await res.json()) as { commandId: string; delivered: boolean };
    expect({ status: res.status, delivered: sent.delivered }).toEqual({ status: 200, delivered: true });
    const command = await agent.socket.next<CommandFrame>();
    expect(command).toMatchObject({ type: 'command', id: sent.commandId, check: 'vpn' });
    // only one node claimed it: the store says sent, once
    expect(await b.app.store.command(sent.commandId, Date.now())).toMatchObject({ status: 'sent' });

    agent.socket.send({ type: 'commandResult', id: command.id, status: 'running', results: [] });
    agent.socket.send({
      type: 'commandResult',
      id: command.id,
      status: 'done',
      results: [vpn(0, 0, 'up')].map(({ seq: _seq, ts: _ts, ...data }) => data),
    });
    const deadline = Date.now() + 5000;
    while (results.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(results.map((e) => [e.deviceId, e.result.id, e.result.status])).toEqual([
      [creds.deviceId, command.id, 'running'],
      [creds.deviceId, command.id, 'done'],
    ]);
    expect(results[1]?.result.results).toMatchObject([{ kind: 'vpn', state: 'up' }]);
    const stored = await (
      await fetch(`${b.http}/api/v1/commands/${sent.commandId}`, { headers: { cookie } })
    ).json();
    expect(stored).toMatchObject({ status: 'done', deviceId: creds.deviceId });
    await agent.socket.close();
  });

  it('answers "queued" at once for a device connected nowhere, and delivers it on the next hello', async () => {
    const a = await node();
    // were B to wait for another node's answer, the request would take this long
    const b = await node({ commandRelayWaitMs: 20_000 });
    const creds = await enroll(b.app, 'hw-off', 'nb-off');
    const started = Date.now();
    const { cookie } = await signIn(a.app, 'servicedesk');
    const res = await fetch(`${b.http}/api/v1/devices/${creds.deviceId}/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ check: 'health' }),
    });
    expect(res.status).toBe(202);
    const sent = (await res.json()) as { commandId: string; delivered: boolean };
    expect(sent.delivered).toBe(false);
    // B did not wait for another node: the store says the device is offline
    expect(Date.now() - started).toBeLessThan(10_000);
    const agent = await connectAgent(a.ws, creds);
    expect(await agent.socket.next()).toMatchObject({ type: 'command', id: sent.commandId, check: 'health' });
    await agent.socket.close();
  });
});
