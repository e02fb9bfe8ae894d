import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Capability, ConfigFrame, ObservationData, ProbeConfig } from '@lagebild/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from './agent.js';
import { Backoff } from './backoff.js';
import type { Collector } from './collector.js';
import { FakeServer } from './fake-server.test-util.js';
import type { CollectorSet } from './plan.js';

/** A collector that reports a fixed observation on every run. */
function fixed(name: string, data: ObservationData): Collector {
  return {
    name,
    capability: async (): Promise<Capability> => ({ name, available: true }),
    collect: async () => [data],
  };
}

const fakeSet: CollectorSet = {
  identity: fixed('identity', {
    kind: 'identity',
    hostname: 'NB-TEST',
    serial: 'S1',
    os: 'linux',
    osVersion: 'Debian 12',
    agentVersion: '0.1.0',
  }),
  vpn: fixed('vpn', {
    kind: 'vpn',
    change: false,
    state: 'down',
    vendor: null,
    interface: null,
    addresses: [],
    since: 1,
  }),
  securityKey: fixed('securityKey', {
    kind: 'securityKey',
    change: false,
    available: true,
    present: false,
    keys: [],
  }),
  health: fixed('health', { kind: 'health', cpuPct: 5, memPct: 30, link: 'ethernet', uptimeSec: 100 }),
  probe: (p: ProbeConfig) =>
    fixed(`probe:${p.id}`, {
      kind: 'probe',
      probeId: p.id,
      app: p.app,
      probeKind: p.kind,
      target: p.target,
      ok: true,
      errorClass: null,
      phases: { totalMs: 12 },
    }),
};

const kinds = (server: FakeServer) =>
  server.observations.map((o) => (o.kind === 'probe' ? `probe:${o.probeId}` : o.kind));

describe('agent wired end to end against a protocol-speaking server', () => {
  let dir: string;
  let server: FakeServer;
  let agent: RunningAgent | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-agent-'));
    server = await FakeServer.start();
  });
  afterEach(async () => {
    await agent?.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () =>
    startAgent({
      serverUrl: server.url,
      stateDir: dir,
      enrollSecret: 'geheim',
      collectors: fakeSet,
      backoff: () => new Backoff({ baseMs: 20, capMs: 100 }),
      drainMs: 1000,
    });

  it('enrolls, connects and delivers its first observations', async () => {
    agent = await start();
    await server.until(() =>
      ['agent', 'identity', 'vpn', 'securityKey', 'health'].every((k) => kinds(server).includes(k)),
    );
    expect(server.enrollments).toBe(1);
    expect(agent.state.credentials()?.deviceId).toBe('dev-1');
    expect(server.hellos[0]?.capabilities.map((c) => c.name).sort()).toEqual(
      ['health', 'identity', 'probes', 'securityKey', 'vpn'].sort(),
    );
  });

  it('reschedules when the server pushes a config, and keeps that config for the next start', async () => {
    agent = await start();
    await server.until(() => agent?.transport.connected === true);
    const config: ConfigFrame = {
      type: 'config',
      version: 3,
      probes: [
        {
          id: 'ewo',
          app: 'Einwohnerwesen',
          kind: 'http',
          target: 'http://127.0.0.1:9/',
          intervalSec: 30,
          timeoutMs: 1000,
        },
      ],
      intervals: { healthSec: 30, vpnSec: 5, securityKeySec: 5 },
    };
    server.send(config);
    await server.until(() => kinds(server).includes('probe:ewo'));
    expect(agent.scheduler.plan()).toMatchObject({ vpn: 5000, health: 30_000, 'probe:ewo': 30_000 });
    await agent.stop();
    agent = await start();
    await server.until(() => server.hellos.length === 2);
    expect(server.hellos[1]?.configVersion).toBe(3);
    expect(agent.config().probes.map((p) => p.id)).toEqual(['ewo']);
  });

  it('runs "check now" at once: running, then done with fresh results that also reach the outbox', async () => {
    agent = await start();
    await server.until(() => agent?.transport.connected === true && kinds(server).includes('health'));
    const before = kinds(server).filter((k) => k === 'health').length;
    server.send({ type: 'command', id: 'cmd-1', check: 'checkNow', expiresAt: Date.now() + 10_000 });
    await server.until(() => server.results.some((r) => r.status === 'done'));
    expect(server.results.map((r) => r.status)).toEqual(['running', 'done']);
    expect(server.results[1]?.results.map((r) => r.kind).sort()).toEqual(['health', 'securityKey', 'vpn']);
    await server.until(() => kinds(server).filter((k) => k === 'health').length > before);
  });

  it('says it is stopping and closes the connection cleanly', async () => {
    agent = await start();
    await server.until(() => agent?.transport.connected === true);
    await agent.stop();
    agent = undefined;
    await server.until(() => server.closeCodes.length === 1);
    expect(kinds(server).at(-1)).toBe('agent');
    expect(server.observations.at(-1)).toMatchObject({ kind: 'agent', event: 'stopping' });
    expect(server.closeCodes).toEqual([1000]);
  });

  it('stops with the server error code when the enrollment secret is wrong', async () => {
    server.secret = 'anders';
    await expect(start()).rejects.toMatchObject({ code: 'LB_ERR_ENROLL_SECRET_INVALID' });
  });

  it('keeps measuring offline and enrolls once the server can be reached', async () => {
    const url = server.url;
    await server.close();
    agent = await startAgent({
      serverUrl: url,
      stateDir: dir,
      enrollSecret: 'geheim',
      collectors: fakeSet,
      backoff: () => new Backoff({ baseMs: 20, capMs: 50 }),
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(agent.state.credentials()).toBeNull();
    expect(agent.outbox.size()).toBeGreaterThanOrEqual(5);
    server = await FakeServer.start(Number(new URL(url).port));
    await server.until(() => kinds(server).includes('health') && agent?.outbox.size() === 0);
    expect(server.observations[0]).toMatchObject({ seq: 1, kind: 'agent', event: 'started' });
  });

  it('refuses to start without credentials or an enrollment secret', async () => {
    await expect(startAgent({ serverUrl: server.url, stateDir: dir, collectors: fakeSet })).rejects.toThrow(
      /enrollment secret is needed/,
    );
  });
});
