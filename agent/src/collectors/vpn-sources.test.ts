import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../exec.js';
import type { NetworkInterface } from '../si.js';
import { ETHERNET, nic, WIN_WIFI } from './vpn-fixtures.test-util.js';
import { RAS_SCRIPT, VpnSources } from './vpn-sources.js';

function setup(platform: NodeJS.Platform, nics: NetworkInterface[], signature?: () => string) {
  let now = 0;
  let current = nics;
  const counts = { si: 0 };
  const asked: string[] = [];
  const sources = new VpnSources({
    si: {
      networkInterfaces: async () => {
        counts.si++;
        return current;
      },
    },
    platform,
    now: () => now,
    run: async (file, args): Promise<CommandResult> => {
      asked.push([file, ...args].join(' '));
      return { code: 0, stdout: '', stderr: '' };
    },
    interfaceSignature: signature,
  });
  return {
    sources,
    counts,
    asked,
    tick: (ms: number) => {
      now += ms;
    },
    set: (n: NetworkInterface[]) => {
      current = n;
    },
  };
}

describe('reading what VPN detection needs', () => {
  it('asks systeminformation again only when the cheap interface fingerprint changes, or after a minute', async () => {
    let fingerprint = 'a';
    const t = setup('linux', [ETHERNET], () => fingerprint);
    await t.sources.read();
    t.tick(2000);
    await t.sources.read();
    expect(t.counts.si).toBe(1);
    fingerprint = 'b';
    await t.sources.read();
    expect(t.counts.si).toBe(2);
    t.tick(60_000);
    await t.sources.read();
    expect(t.counts.si).toBe(3);
  });

  it('runs the Linux tools only when the interfaces change', async () => {
    const t = setup('linux', [ETHERNET]);
    await t.sources.read();
    t.tick(2000);
    await t.sources.read();
    expect(t.asked).toEqual(['ip -details -json link show', 'ip route show table 220']);
    t.set([ETHERNET, nic({ iface: 'wg0', ip4: '10.8.0.2' })]);
    t.tick(2000);
    await t.sources.read();
    expect(t.asked).toHaveLength(4);
  });

  it('starts PowerShell for RAS connections only when a RAS link is there', async () => {
    const t = setup('win32', [WIN_WIFI]);
    await t.sources.read();
    expect(t.asked).toEqual([]);
    t.set([WIN_WIFI, nic({ iface: 'Stadt AOVPN', ip4: '10.10.1.5', mac: '00:00:00:00:00:00', type: '' })]);
    await t.sources.read();
    expect(t.asked).toEqual([`powershell -NoProfile -NonInteractive -Command ${RAS_SCRIPT}`]);
  });

  it('lists the macOS VPN services', async () => {
    const t = setup('darwin', [ETHERNET]);
    expect((await t.sources.read()).context).toEqual({ platform: 'darwin', macServices: [] });
    expect(t.asked).toEqual(['scutil --nc list']);
  });
});
