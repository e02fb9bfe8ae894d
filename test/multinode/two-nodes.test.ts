import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceList, LiveMessage, LiveProbeSample, Observation } from '@lagebild/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/src/auth/users.js';
import { PgStore } from '../../server/src/store/pg/pg-store.js';
import { freshSchema, requirePg, TEST_PG_URL } from '../../server/src/test-support/pg.js';
import { ServerProcess } from '../durability/server-process.js';
import { LiveClient } from '../helpers/live-client.js';
import { eventually, type RunningProcess, startCli } from '../helpers/process.js';
import { signInHttp, TEST_PASSWORD } from '../helpers/session.js';
import { type TappedFrame, WsTap } from '../helpers/ws-tap.js';

const run = await requirePg('two lagebild-server nodes on one PostgreSQL');

/**
 * Two real `lagebild-server --pg` processes on one PostgreSQL schema, a real agent process connected to
 * node A (through a relay that timestamps the protocol frames on the wire) and a dashboard WebSocket on
 * node B. The schema is passed with --pg-schema, so this file's nodes hear nobody else's.
 */
describe.runIf(run)('several server nodes on one PostgreSQL', () => {
  const secret = 'multinode-enroll-secret';
  const dirs: string[] = [];
  let schema: Awaited<ReturnType<typeof freshSchema>>;
  let target: Server;
  let nodeA: ServerProcess;
  let nodeB: ServerProcess;
  let tap: WsTap;
  let live: LiveClient;
  let agent: RunningProcess;
  let deviceId: string;
  let cookie: string;

  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  const startNode = (probesFile: string) =>
    ServerProcess.start({
      port: 0,
      dataDir: tempDir('lagebild-node-'),
      enrollSecret: secret,
      extraArgs: ['--pg', TEST_PG_URL, '--pg-schema', schema.schema, '--probes', probesFile],
      startTimeoutMs: 60_000,
    });

  beforeAll(async () => {
    schema = await freshSchema('lbnodes');
    // a Fachverfahren for the agent to probe, so that it sends probe batches every few seconds
    target = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const address = target.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const probesFile = join(tempDir('lagebild-probes-'), 'probes.json');
    writeFileSync(
      probesFile,
      JSON.stringify([
        {
          id: 'fv-test',
          app: 'Fachverfahren Test',
          kind: 'http',
          target: `http://127.0.0.1:${port}/health`,
          intervalSec: 5,
          timeoutMs: 2000,
          jitter: 0,
        },
      ]),
    );
    nodeA = await startNode(probesFile);
    nodeB = await startNode(probesFile);
    const users = await PgStore.open({ url: TEST_PG_URL, schema: schema.schema, poolSize: 1 });
    try {
      await createUser(users, { name: 'admin', role: 'admin', password: TEST_PASSWORD, now: Date.now() });
    } finally {
      await users.close();
    }
    // signed in on node A; node B knows the session from the shared database
    cookie = await signInHttp(nodeA.url);
    tap = await WsTap.start(nodeA.url);
    live = await LiveClient.connect(nodeB.url, cookie);
    agent = startCli('agent/bin/lagebild-agent.js', [
      'run',
      '--server',
      tap.url,
      '--enroll-secret',
      secret,
      '--state-dir',
      tempDir('lagebild-agent-'),
    ]);
    const device = await eventually(
      async () => {
        const res = await fetch(`${nodeA.url}/api/v1/devices?q=${encodeURIComponent(hostname())}`, {
          headers: { cookie },
        });
        return ((await res.json()) as DeviceList).devices.find((d) => d.online);
      },
      60_000,
      `the agent online on node A (agent output: ${agent?.output()})`,
    );
    deviceId = device.id;
  });

  afterAll(async () => {
    await agent?.stop();
    live?.close();
    await tap?.close();
    await nodeA?.terminate();
    await nodeB?.terminate();
    target?.close();
    await schema?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** When node A's acknowledgement of the batch holding `seq` passed on the wire. */
  function ackedAt(seq: number): number | undefined {
    return tap.ofType('ack', 'down').find((f) => (f.frame.seq as number) >= seq)?.at;
  }

  function batches(): { at: number; observations: Observation[] }[] {
    return tap
      .ofType('batch', 'up')
      .map((f: TappedFrame) => ({ at: f.at, observations: f.frame.observations as Observation[] }));
  }

  it('shows node A’s agent on node B’s dashboard within 1 s of A acknowledging its batches', async () => {
    // the VPN state from the agent's first batch, as a `device` message on B
    const vpnObservation = await eventually(
      async () =>
        batches()
          .flatMap((b) => b.observations)
          .find((o) => o.kind === 'vpn'),
      30_000,
      'a batch with the VPN state',
    );
    const vpnState = vpnObservation.kind === 'vpn' ? vpnObservation.state : 'unknown';
    const deviceMessage = await live.waitFor(
      (m) => m.type === 'device' && m.device.id === deviceId && m.device.vpn.state === vpnState,
      30_000,
    );
    const deviceAt = live.messages.find((m) => m.msg === deviceMessage)!.at;
    const vpnAck = await eventually(async () => ackedAt(vpnObservation.seq), 10_000, 'the ack of that batch');
    const deviceLatency = deviceAt - vpnAck;

    // two probe batches: each sample must appear in a `probes` message on B
    const probeLatencies: number[] = [];
    for (let n = 1; n <= 2; n++) {
      const probeObs = await eventually(
        async () => {
          const all = batches()
            .flatMap((b) => b.observations)
            .filter((o) => o.kind === 'probe');
          return all.length >= n ? all[n - 1] : undefined;
        },
        30_000,
        `probe batch ${n} (agent output: ${agent.output()})`,
      );
      const sameSample = (s: LiveProbeSample) =>
        s.deviceId === deviceId && s.ts === probeObs.ts && s.app === 'Fachverfahren Test';
      const probesMessage = await live.waitFor(
        (m: LiveMessage) => m.type === 'probes' && m.samples.some(sameSample),
        30_000,
      );
      const at = live.messages.find((m) => m.msg === probesMessage)!.at;
      const acked = await eventually(async () => ackedAt(probeObs.seq), 10_000, 'the ack of the probe batch');
      probeLatencies.push(at - acked);
    }
    console.log(
      `node B pushed A's changes after the ack on A: device ${deviceLatency} ms, probes ${probeLatencies.join(', ')} ms`,
    );
    expect(deviceLatency).toBeLessThan(1000);
    for (const latency of probeLatencies) expect(latency).toBeLessThan(1000);
  }, 120_000);

  it('runs a check asked for on node B on the agent connected to node A', async () => {
    const res = await fetch(`${nodeB.url}/api/v1/devices/${deviceId}/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ check: 'vpn' }),
    });
    const sent = (await res.json()) as { commandId: string; delivered: boolean };
    // delivered: node A claimed the command and sent it within the relay wait (1 s)
    expect({ status: res.status, delivered: sent.delivered }).toEqual({ status: 200, delivered: true });
    const command = await eventually(
      async () => tap.ofType('command', 'down').find((f) => f.frame.id === sent.commandId),
      10_000,
      'the command on the wire from node A to the agent',
    );
    expect(command.frame).toMatchObject({ type: 'command', check: 'vpn' });
    expect(tap.ofType('command', 'down')).toHaveLength(1);
    const done = await eventually(
      async () => {
        const command = (await (
          await fetch(`${nodeB.url}/api/v1/commands/${sent.commandId}`, { headers: { cookie } })
        ).json()) as {
          status: string;
        };
        return command.status === 'done' ? command : undefined;
      },
      30_000,
      `command ${sent.commandId} done on node B (agent output: ${agent.output()})`,
    );
    expect(done).toMatchObject({ id: sent.commandId, deviceId, check: 'vpn', status: 'done' });
    // the agent itself ran it and answered with a fresh VPN observation
    const result = tap.ofType('commandResult', 'up').find((f) => f.frame.status === 'done');
    expect(result?.frame).toMatchObject({ id: sent.commandId, results: [{ kind: 'vpn' }] });
    expect(agent.output()).toContain(`command ${sent.commandId}: vpn`);
  }, 60_000);
});
