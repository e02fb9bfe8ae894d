import { LIVE_WS_PATH, type LiveCommandResult, type LiveMessage } from '@lagebild/shared';
import { type Fleet, startFleet } from '@lagebild/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgStore } from '../../server/src/store/pg/pg-store.js';
import { signIn } from '../../server/src/test-support/auth.js';
import { SECRET, startApp } from '../../server/src/test-support/fixtures.js';
import { FrameSocket } from '../../server/src/test-support/frame-socket.js';
import { freshSchema, requirePg, TEST_PG_URL } from '../../server/src/test-support/pg.js';

const run = await requirePg('"check now" results relayed between server nodes');

/** The next command result on a dashboard socket; other live messages are skipped. */
async function nextResult(socket: FrameSocket, timeoutMs = 5000): Promise<LiveCommandResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await socket.next<LiveMessage>(Math.max(1, deadline - Date.now()));
    if (m.type === 'commandResult') return m;
  }
}

/**
 * Two server nodes on one PostgreSQL schema, a simulated notebook (the simulator's real protocol client,
 * which answers checks with its measurements) connected to node A, and a ServiceDesk dashboard on node B
 * watching that notebook: the check is asked for on B, runs on A's agent, and its results come back to
 * B's dashboard over the cluster bus as they arrive.
 */
describe.runIf(run)('"Jetzt prüfen" across server nodes', () => {
  let schema: Awaited<ReturnType<typeof freshSchema>>;
  const apps: Awaited<ReturnType<typeof startApp>>['app'][] = [];
  let fleet: Fleet | undefined;

  const node = async () => {
    const pg = { url: TEST_PG_URL, schema: schema.schema };
    const started = await startApp({ store: await PgStore.open(pg), pg, liveFlushMs: 50 });
    apps.push(started.app);
    return started;
  };

  beforeAll(async () => {
    schema = await freshSchema('lbchecknow');
  });
  afterAll(async () => {
    await fleet?.stop();
    for (const app of apps.splice(0).reverse()) await app.close();
    await schema?.drop();
  });

  it('streams the simulated notebook’s check results to a dashboard on the other node', async () => {
    const a = await node();
    const b = await node();
    fleet = await startFleet({ serverUrl: a.http, enrollSecret: SECRET, devices: 1, onLog: () => {} });
    const deviceId = fleet.devices[0]!.id!;
    expect(deviceId).toBeTruthy();

    const { cookie } = await signIn(b.app, 'servicedesk');
    const dashboard = await FrameSocket.open(`${b.ws}${LIVE_WS_PATH}`, { headers: { cookie } });
    expect(await dashboard.next<LiveMessage>()).toMatchObject({ type: 'snapshot' });
    dashboard.send({ type: 'watch', deviceId });
    // a viewer's dashboard on the same node watches too, and must hear nothing
    const viewer = await signIn(b.app, 'viewer');
    const viewerSocket = await FrameSocket.open(`${b.ws}${LIVE_WS_PATH}`, {
      headers: { cookie: viewer.cookie },
    });
    viewerSocket.send({ type: 'watch', deviceId });
    await new Promise((r) => setTimeout(r, 100));

    const asked = Date.now();
    const res = await fetch(`${b.http}/api/v1/devices/${deviceId}/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ check: 'checkNow' }),
    });
    const sent = (await res.json()) as { commandId: string; delivered: boolean };
    expect({ status: res.status, delivered: sent.delivered }).toEqual({ status: 200, delivered: true });

    const running = await nextResult(dashboard);
    expect(running).toMatchObject({ deviceId, commandId: sent.commandId, status: 'running', results: [] });
    const done = await nextResult(dashboard);
    const doneAfterMs = Date.now() - asked;
    expect(done).toMatchObject({ deviceId, commandId: sent.commandId, status: 'done' });
    const kinds = new Set(done.results.map((r) => r.kind));
    expect(kinds.has('probe')).toBe(true);
    expect(kinds.has('vpn')).toBe(true);
    const probes = done.results.filter((r) => r.kind === 'probe');
    expect(probes.every((p) => p.kind === 'probe' && typeof p.phases.totalMs === 'number')).toBe(true);
    // the simulated agent answers within 0.6 s; relay and both nodes must not add more than a little
    expect(doneAfterMs).toBeLessThan(2000);

    const stored = await (
      await fetch(`${b.http}/api/v1/commands/${sent.commandId}`, { headers: { cookie } })
    ).json();
    expect(stored).toMatchObject({ status: 'done' });
    expect(viewerSocket.drain().filter((m) => (m as LiveMessage).type === 'commandResult')).toEqual([]);
    await dashboard.close();
    await viewerSocket.close();
  });
});
