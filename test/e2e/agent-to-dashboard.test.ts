import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceDetail, DeviceList, LiveMessage } from '@lagebild/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveClient } from '../helpers/live-client.js';
import { eventually, type RunningProcess, startCli } from '../helpers/process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('a real agent process reporting to a real server', () => {
  let server: TestServer;
  let live: LiveClient;
  let agent: RunningProcess;
  let stateDir: string;
  const auth = () => ({ headers: { cookie: server.cookie } });

  beforeAll(async () => {
    server = await startTestServer();
    live = await LiveClient.connect(server.url, server.cookie);
    stateDir = mkdtempSync(join(tmpdir(), 'lagebild-agent-'));
    agent = startCli('agent/bin/lagebild-agent.js', [
      'run',
      '--server',
      server.url,
      '--enroll-secret',
      server.secret,
      '--state-dir',
      stateDir,
    ]);
  });

  afterAll(async () => {
    await agent?.stop();
    live?.close();
    await server?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('appears in the device list and reaches a dashboard WebSocket within 2 s', async () => {
    const appearedAt = Date.now();
    const device = await eventually(
      async () => {
        const res = await fetch(`${server.url}/api/v1/devices?q=${encodeURIComponent(hostname())}`, auth());
        const list = (await res.json()) as DeviceList;
        return list.devices.find((d) => d.hostname === hostname() && d.online);
      },
      30_000,
      `the agent's device in GET /api/v1/devices (agent output: ${agent.output()})`,
    );
    const storedAt = Date.now();
    const isThisDevice = (m: LiveMessage) =>
      m.type === 'device' && m.device.id === device.id && m.device.online;
    await live.waitFor(isThisDevice, 2_000);
    const pushedAt = live.messages.find((m) => isThisDevice(m.msg))?.at ?? Number.NaN;
    // the push came no later than 2 s after the REST API first showed the device
    expect(pushedAt - storedAt).toBeLessThanOrEqual(2_000);
    expect(storedAt - appearedAt).toBeLessThan(30_000);
  });

  it('reports this machine truthfully: identity, VPN state and security-key capability', async () => {
    const list = (await (
      await fetch(`${server.url}/api/v1/devices?q=${hostname()}`, auth())
    ).json()) as DeviceList;
    const id = list.devices[0]?.id;
    expect(id).toBeDefined();
    const detail = await eventually(
      async () => {
        const d = (await (await fetch(`${server.url}/api/v1/devices/${id}`, auth())).json()) as DeviceDetail;
        return d.vpn.state !== 'unknown' && d.health ? d : undefined;
      },
      30_000,
      'VPN state and health of the agent',
    );
    expect(detail.hostname).toBe(hostname());
    expect(detail.os).toBe('linux');
    expect(detail.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(['up', 'down', 'degraded']).toContain(detail.vpn.state);
    expect(detail.capabilities.map((c) => c.name)).toContain('securityKey');
    expect(detail.health?.memPct).toBeGreaterThan(0);
  });

  it('keeps the fleet counts in step with what is stored', async () => {
    const fleet = (await (await fetch(`${server.url}/api/v1/fleet`, auth())).json()) as {
      devices: number;
      online: number;
    };
    expect(fleet).toMatchObject({ devices: 1, online: 1 });
  });
});
