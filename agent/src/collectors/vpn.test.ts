import { describe, expect, it } from 'vitest';
import type { NetworkInterface } from '../si.js';
import type { TcpConnectResult } from './tcp-connect.js';
import { VpnCollector } from './vpn.js';
import { ETHERNET, LOOPBACK, nic } from './vpn-fixtures.test-util.js';

const WG_UP = nic({ iface: 'wg0', ip4: '10.8.0.2', operstate: 'unknown' });

function setup(options: { checkTarget?: string; reachable?: boolean } = {}) {
  let now = 1_000_000;
  let nics: NetworkInterface[] = [LOOPBACK, ETHERNET];
  const connects: string[] = [];
  const collector = new VpnCollector({
    si: { networkInterfaces: async () => nics },
    now: () => now,
    checkTarget: options.checkTarget,
    connect: async (host, port): Promise<TcpConnectResult> => {
      connects.push(`${host}:${port}`);
      return options.reachable === false
        ? { ok: false, code: 'TIMEOUT', totalMs: 3000 }
        : { ok: true, connectMs: 12.34, totalMs: 12.5 };
    },
  });
  return {
    collector,
    connects,
    tick: (ms: number) => {
      now += ms;
    },
    setNics: (n: NetworkInterface[]) => {
      nics = n;
    },
    now: () => now,
  };
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
    t.tick(30_000);
    expect(await t.collector.collect()).toEqual([]);
    t.tick(30_000);
    expect(await t.collector.collect()).toMatchObject([{ change: false, state: 'up', since: up?.since }]);
  });

  it('counts flaps in the last hour and forgets older ones', async () => {
    const t = setup();
    await t.collector.collect();
    for (const n of [[WG_UP], [ETHERNET], [WG_UP], [ETHERNET]]) {
      t.tick(1000);
      t.setNics(n);
      await t.collector.collect();
    }
    expect((await t.collector.collect({ force: true }))[0]?.changesLastHour).toBe(4);
    t.tick(3_600_000);
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
    expect(await t.collector.collect()).toMatchObject([{ state: 'up', gatewayRttMs: 12.3 }]);
    expect(t.connects).toEqual(['fachverfahren.stadt.local:443']);
  });

  it('reports degraded when the tunnel is up but the check target does not answer', async () => {
    const t = setup({ checkTarget: '10.0.0.1:443', reachable: false });
    t.setNics([WG_UP]);
    expect(await t.collector.collect()).toMatchObject([
      { state: 'degraded', gatewayRttMs: null, vendor: 'WireGuard' },
    ]);
  });

  it('does not probe the check target while the tunnel is down', async () => {
    const t = setup({ checkTarget: '10.0.0.1:443' });
    expect(await t.collector.collect()).toMatchObject([{ state: 'down', gatewayRttMs: null }]);
    expect(t.connects).toEqual([]);
  });

  it('rejects a check target without a port', () => {
    expect(() => new VpnCollector({ checkTarget: 'gateway.stadt.local' })).toThrow(/host:port/);
  });
});
