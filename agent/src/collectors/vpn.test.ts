import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../exec.js';
import type { NetworkInterface } from '../si.js';
import type { TcpConnectResult } from './tcp-connect.js';
import { VpnCollector, type VpnCollectorOptions } from './vpn.js';
import { ETHERNET, LOOPBACK, nic } from './vpn-fixtures.test-util.js';

const WG_UP = nic({ iface: 'wg0', ip4: '10.8.0.2', operstate: 'unknown' });
const TUN_UP = nic({ iface: 'tun0', ip4: '10.9.0.6', operstate: 'unknown' });

function setup(
  options: { reachable?: boolean; commands?: Record<string, string> } & Partial<VpnCollectorOptions> = {},
) {
  let now = 1_000_000;
  let nics: NetworkInterface[] = [LOOPBACK, ETHERNET];
  const connects: string[] = [];
  const asked: string[] = [];
  const { reachable, commands = {}, ...rest } = options;
  const collector = new VpnCollector({
    si: { networkInterfaces: async () => nics },
    now: () => now,
    platform: 'linux',
    run: async (file, args): Promise<CommandResult> => {
      const key = [file, ...args].join(' ');
      asked.push(key);
      const out = commands[key];
      return out === undefined ? { code: 1, stdout: '', stderr: 'no' } : { code: 0, stdout: out, stderr: '' };
    },
    connect: async (host, port): Promise<TcpConnectResult> => {
      connects.push(`${host}:${port}`);
      return reachable === false
        ? { ok: false, code: 'TIMEOUT', totalMs: 3000 }
        : { ok: true, connectMs: 12.34, totalMs: 12.5 };
    },
    ...rest,
  });
  return {
    collector,
    connects,
    asked,
    tick: (ms: number) => {
      now += ms;
    },
    setNics: (n: NetworkInterface[]) => {
      nics = n;
    },
    now: () => now,
  };
}

/** Polls every 2 s for `ms`, as the scheduler does, and returns everything sent. */
async function poll(t: ReturnType<typeof setup>, ms: number) {
  const sent = [];
  for (let waited = 0; waited < ms; waited += 2000) {
    t.tick(2000);
    sent.push(...(await t.collector.collect()));
  }
  return sent;
}

describe('VPN collector', () => {
  it('reports the initial state at once as a heartbeat', async () => {
    const { collector, now } = setup();
    expect(await collector.collect()).toEqual([
      {
        kind: 'vpn',
        change: false,
        state: 'down',
        vendor: null,
        interface: null,
        addresses: [],
        since: now(),
        changesLastHour: 0,
        gateway: null,
      },
    ]);
  });

  it('sends a change at once when the tunnel comes up and stays quiet until the heartbeat is due', async () => {
    const t = setup();
    await t.collector.collect();
    t.tick(2000);
    t.setNics([ETHERNET, WG_UP]);
    const [up] = await t.collector.collect();
    expect(up).toMatchObject({
      change: true,
      state: 'up',
      vendor: 'WireGuard',
      interface: 'wg0',
      addresses: ['10.8.0.2'],
      since: t.now(),
      changesLastHour: 1,
    });
    expect(await poll(t, 56_000)).toEqual([]);
    expect(await poll(t, 4000)).toMatchObject([{ change: false, state: 'up', since: up?.since }]);
  });

  it('counts flaps in the last hour and forgets older ones', async () => {
    const t = setup();
    await t.collector.collect();
    for (const n of [[WG_UP], [ETHERNET], [WG_UP], [ETHERNET]]) {
      t.tick(2000);
      t.setNics(n);
      await t.collector.collect();
    }
    expect((await t.collector.collect({ force: true }))[0]?.changesLastHour).toBe(4);
    await poll(t, 3_600_000);
    expect((await t.collector.collect({ force: true }))[0]?.changesLastHour).toBe(0);
  });

  it('answers a forced collection with the current state even without a change', async () => {
    const t = setup();
    await t.collector.collect();
    t.tick(10);
    expect(await t.collector.collect({ force: true })).toMatchObject([{ change: false, state: 'down' }]);
  });

  it('measures the round trip to the check target while the tunnel is up', async () => {
    const t = setup({ checkTarget: 'fachverfahren.stadt.local:443' });
    t.setNics([WG_UP]);
    expect(await t.collector.collect()).toMatchObject([
      { state: 'up', gatewayRttMs: 12.3, gatewayReachable: true },
    ]);
    expect(t.connects).toEqual(['fachverfahren.stadt.local:443']);
  });

  it('reports degraded when the tunnel is up but the check target does not answer', async () => {
    const t = setup({ checkTarget: '10.0.0.1:443', reachable: false });
    t.setNics([WG_UP]);
    expect(await t.collector.collect()).toMatchObject([
      {
        state: 'degraded',
        gatewayRttMs: null,
        gatewayReachable: false,
        vendor: 'WireGuard',
        interface: 'wg0',
      },
    ]);
  });

  it('does not probe the check target while the tunnel is down', async () => {
    const t = setup({ checkTarget: '10.0.0.1:443' });
    expect(await t.collector.collect()).toMatchObject([
      { state: 'down', gatewayRttMs: null, gatewayReachable: null },
    ]);
    expect(t.connects).toEqual([]);
  });

  it('rejects a check target without a port', () => {
    expect(() => new VpnCollector({ checkTarget: 'gateway.stadt.local' })).toThrow(/host:port/);
  });

  it('reports the configured gateway, else the WireGuard peer endpoint, asked once per tunnel', async () => {
    const t = setup({ commands: { 'wg show wg0 endpoints': 'key=\t203.0.113.10:51820\n' } });
    t.setNics([ETHERNET, WG_UP]);
    expect(await t.collector.collect()).toMatchObject([{ gateway: '203.0.113.10' }]);
    await poll(t, 60_000);
    expect(t.asked.filter((k) => k.startsWith('wg '))).toEqual(['wg show wg0 endpoints']);

    const configured = setup({ gateway: 'vpn-gw-1.stadt.example' });
    configured.setNics([WG_UP]);
    expect(await configured.collector.collect()).toMatchObject([{ gateway: 'vpn-gw-1.stadt.example' }]);
    expect(configured.asked.some((k) => k.startsWith('wg '))).toBe(false);
  });

  it('reports no gateway when wg cannot tell (tool missing, no access)', async () => {
    const t = setup();
    t.setNics([WG_UP]);
    expect(await t.collector.collect()).toMatchObject([{ state: 'up', gateway: null }]);
  });

  it('sends a state change at once and the new routes with the next poll', async () => {
    const t = setup({
      probes: [{ kind: 'tcp', target: '10.20.1.15:443' }],
      commands: { 'ip route get 10.20.1.15': '10.20.1.15 via 192.168.1.1 dev eth0 src 192.168.1.20 uid 0\n' },
    });
    const [first] = await t.collector.collect();
    expect(first?.routes).toEqual([{ host: '10.20.1.15', viaTunnel: false, interface: 'eth0' }]);

    t.tick(2000);
    t.setNics([ETHERNET, WG_UP]);
    const [change] = await t.collector.collect();
    expect(change).toMatchObject({ change: true, state: 'up' });
    // stale routes (from before the tunnel) are not sent as if they were current
    expect(change?.routes).toBeUndefined();

    const [routes] = await poll(t, 2000);
    expect(routes).toMatchObject({ change: false, state: 'up' });
    expect(routes?.routes).toEqual([{ host: '10.20.1.15', viaTunnel: false, interface: 'eth0' }]);
  });

  it('keeps sending the routes when the tunnel turns degraded: the routing table did not change', async () => {
    let reachable = true;
    const t = setup({
      checkTarget: '10.20.1.15:443',
      probes: [{ kind: 'tcp', target: '10.20.1.15:443' }],
      commands: { 'ip route get 10.20.1.15': '10.20.1.15 dev wg0 src 10.8.0.2 uid 0\n' },
      connect: async () =>
        reachable ? { ok: true, connectMs: 5, totalMs: 5 } : { ok: false, totalMs: 3000 },
    });
    t.setNics([WG_UP]);
    await t.collector.collect();
    t.tick(2000);
    reachable = false;
    expect(await t.collector.collect()).toMatchObject([
      {
        change: true,
        state: 'degraded',
        routes: [{ host: '10.20.1.15', viaTunnel: true, interface: 'wg0' }],
      },
    ]);
  });

  it('reuses route checks while they are fresh and checks new probe hosts at once', async () => {
    const t = setup({
      probes: [{ kind: 'tcp', target: '10.20.1.15:443' }],
      routeTtlMs: 60_000,
      commands: {
        'ip route get 10.20.1.15': '10.20.1.15 dev wg0 src 10.8.0.2 uid 0\n',
        'ip route get 10.20.5.9': '10.20.5.9 dev wg0 src 10.8.0.2 uid 0\n',
      },
    });
    t.setNics([WG_UP]);
    await t.collector.collect();
    await poll(t, 50_000);
    expect(t.asked.filter((k) => k.startsWith('ip route get'))).toHaveLength(1);

    t.collector.setRouteTargets([
      { kind: 'tcp', target: '10.20.1.15:443' },
      { kind: 'tcp', target: '10.20.5.9:1521' },
    ]);
    const [forced] = await t.collector.collect({ force: true });
    expect(forced?.routes?.map((r) => [r.host, r.viaTunnel])).toEqual([
      ['10.20.1.15', true],
      ['10.20.5.9', true],
    ]);
  });

  it('sends another client or a new tunnel address at once, without counting a flap', async () => {
    const t = setup();
    t.setNics([WG_UP]);
    await t.collector.collect();
    t.tick(2000);
    t.setNics([TUN_UP]);
    expect(await t.collector.collect()).toMatchObject([
      { change: true, state: 'up', vendor: 'OpenVPN', interface: 'tun0', changesLastHour: 0 },
    ]);
  });

  it('reports a tunnel lost while the notebook slept at once, but not as a flap', async () => {
    let resume: { sleptMs: number; at: number } | undefined;
    let checks = 0;
    const sleep = {
      check: () => {
        checks++;
        return null;
      },
      lastResume: () => resume,
    };
    const t = setup({ sleep });
    t.setNics([WG_UP]);
    await poll(t, 10_000);
    t.tick(2000);
    resume = { sleptMs: 3_600_000, at: t.now() - 500 };
    t.setNics([ETHERNET]);
    expect(await t.collector.collect()).toMatchObject([{ change: true, state: 'down', changesLastHour: 0 }]);
    expect(checks).toBeGreaterThan(0);
  });

  it('names the client of an unknown tunnel after the config', async () => {
    const t = setup({ platform: 'darwin', vendor: 'Palo Alto GlobalProtect' });
    t.setNics([nic({ iface: 'utun5', ip4: '10.12.0.9', operstate: 'unknown' })]);
    expect(await t.collector.collect()).toMatchObject([
      { vendor: 'Palo Alto GlobalProtect', interface: 'utun5' },
    ]);
  });

  it('tells when it cannot read the interfaces at all', async () => {
    const c = new VpnCollector({
      si: {
        networkInterfaces: async () => {
          throw new Error('ENOSYS');
        },
      },
    });
    expect(await c.capability()).toEqual({ name: 'vpn', available: false, reason: 'ENOSYS' });
  });
});
