import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SelfUsage } from '../self-usage.js';
import { type NetworkInterface, type WifiConnection, wifiWithoutNames } from '../si.js';
import { HealthCollector, type HealthCollectorOptions, linkType, primaryInterface } from './health.js';
import { ETHERNET, LOOPBACK, nic, WLAN } from './vpn-fixtures.test-util.js';

type HealthSi = NonNullable<HealthCollectorOptions['si']>;
const GIB = 1024 ** 3;

/** A recorded `lagebild-raw/1` health fixture as the SystemInfo the collector reads. */
function recorded(name: string): { si: HealthSi; platform: NodeJS.Platform; raw: string } {
  const raw = readFileSync(new URL(`../../fixtures/health/${name}.json`, import.meta.url), 'utf8');
  const rec = JSON.parse(raw) as { platform: NodeJS.Platform; si: Record<string, unknown> };
  const answer = <T>(method: string) => structuredClone(rec.si[method]) as T;
  const si: HealthSi = {
    currentLoad: async () => answer('currentLoad'),
    mem: async () => answer('mem'),
    fsSize: async () => answer('fsSize'),
    battery: async () => answer('battery'),
    networkInterfaces: async () => answer('networkInterfaces'),
    wifiConnections: async () => answer('wifiConnections'),
    time: () => answer('time'),
  };
  return { si, platform: rec.platform, raw };
}

/** Health from a fixture without the agent's own (machine-dependent) footprint. */
async function healthOf(name: string, extra: HealthCollectorOptions = {}) {
  const { si, platform } = recorded(name);
  const [h] = await new HealthCollector({ si, platform, selfUsage: null, ...extra }).collect();
  return h!;
}

describe('health from recorded notebooks', () => {
  it('reports a Windows notebook on Wi-Fi: signal in % and dBm, link speed, a worn battery not charging', async () => {
    expect(await healthOf('windows-wifi-battery')).toEqual({
      kind: 'health',
      cpuPct: 23.4,
      memPct: 56.3,
      memTotalMb: 16_384,
      diskFreePct: 19.9,
      batteryPct: 70,
      onAc: false,
      charging: false,
      batteryHealthPct: 78,
      link: 'wifi',
      wifiSignalPct: 78,
      wifiSignalDbm: -61,
      linkSpeedMbps: 866.7,
      uptimeSec: 183_742,
    });
  });

  it('never passes on the SSID or BSSID of the Wi-Fi the notebook is on', async () => {
    const { raw } = recorded('windows-wifi-battery');
    expect(raw).toContain('FRITZ!Box 7590 Mueller');
    const out = JSON.stringify(await healthOf('windows-wifi-battery'));
    expect(out).not.toContain('FRITZ!Box');
    expect(out).not.toContain('Mueller');
    expect(out).not.toContain('3c:a6:2f:aa:bb:cc');
    expect(out).not.toMatch(/ssid/i);
  });

  it('drops SSID and BSSID where systeminformation is read, before any collector sees them', () => {
    const rec = JSON.parse(recorded('windows-wifi-battery').raw) as {
      si: { wifiConnections: WifiConnection[] };
    };
    const kept = rec.si.wifiConnections.map(wifiWithoutNames);
    expect(kept).toEqual([{ iface: 'WLAN', quality: 78, signalLevel: -61, txRate: 866.7 }]);
  });

  it('recognises mobile broadband, a charging battery and an unknown link speed', async () => {
    expect(await healthOf('linux-lte-charging')).toEqual({
      kind: 'health',
      cpuPct: 81.9,
      memPct: 85,
      memTotalMb: 8192,
      diskFreePct: 2.2,
      batteryPct: 40,
      onAc: true,
      charging: true,
      batteryHealthPct: 96.4,
      link: 'mobile',
      linkSpeedMbps: null,
      uptimeSec: 4211,
    });
  });

  it('reports no battery figures on a desktop and the Ethernet speed', async () => {
    expect(await healthOf('linux-desktop-ethernet')).toMatchObject({
      batteryPct: null,
      onAc: null,
      charging: null,
      batteryHealthPct: null,
      link: 'ethernet',
      linkSpeedMbps: 1000,
      diskFreePct: 74.5,
    });
  });
});

function fakeSi(over: { nics?: NetworkInterface[]; wifi?: WifiConnection[] | 'throws' } = {}): HealthSi {
  return {
    currentLoad: async () => ({ currentLoad: 37.26 }),
    mem: async () => ({ total: 16 * GIB, active: 12 * GIB }),
    fsSize: async () => [
      { fs: 'C:', mount: 'C:', size: 500 * GIB, available: 50 * GIB },
      { fs: '/dev/nvme0n1p2', mount: '/', size: 200 * GIB, available: 150 * GIB },
      { fs: '/dev/disk3s5', mount: '/System/Volumes/Data', size: 400 * GIB, available: 100 * GIB },
    ],
    battery: async () => ({ hasBattery: true, percent: 64, acConnected: false }),
    networkInterfaces: async () => over.nics ?? [LOOPBACK, { ...ETHERNET, default: true }],
    wifiConnections: async () => {
      if (over.wifi === 'throws') throw new Error('nmcli missing');
      return over.wifi ?? [{ iface: 'wlan0', quality: 72 }];
    },
    time: () => ({ uptime: 86_400.7 }),
  };
}

describe('health collector', () => {
  it('reads free space of the system drive on Windows and of the data volume on macOS', async () => {
    const si = fakeSi();
    const win = await new HealthCollector({
      si,
      platform: 'win32',
      systemDrive: 'C:',
      selfUsage: null,
    }).collect();
    expect(win[0]?.diskFreePct).toBe(10);
    const mac = await new HealthCollector({ si, platform: 'darwin', selfUsage: null }).collect();
    expect(mac[0]?.diskFreePct).toBe(25);
  });

  it('leaves charging and battery health unknown when the OS does not report them', async () => {
    const [h] = await new HealthCollector({ si: fakeSi(), platform: 'linux', selfUsage: null }).collect();
    expect(h).toMatchObject({ batteryPct: 64, onAc: false, charging: null, batteryHealthPct: null });
  });

  it('takes the Wi-Fi transmit rate as link speed when the interface has none (Linux)', async () => {
    const si = fakeSi({
      nics: [{ ...WLAN, default: true, speed: null }],
      wifi: [{ iface: 'wlan0', quality: 55, signalLevel: -72, txRate: 144.4 }],
    });
    expect(await new HealthCollector({ si, platform: 'linux', selfUsage: null }).collect()).toMatchObject([
      { link: 'wifi', wifiSignalPct: 55, wifiSignalDbm: -72, linkSpeedMbps: 144.4 },
    ]);
  });

  it('reports an unknown Wi-Fi signal instead of failing when the OS cannot tell', async () => {
    const si = fakeSi({ nics: [{ ...WLAN, default: true, speed: null }], wifi: 'throws' });
    expect(await new HealthCollector({ si, platform: 'linux', selfUsage: null }).collect()).toMatchObject([
      { link: 'wifi', wifiSignalPct: null, wifiSignalDbm: null, linkSpeedMbps: null },
    ]);
  });

  it('ignores a signal level of 0 dBm, which drivers report when they do not know', async () => {
    const si = fakeSi({
      nics: [{ ...WLAN, default: true }],
      wifi: [{ iface: 'wlan0', quality: 60, signalLevel: 0 }],
    });
    expect(await new HealthCollector({ si, platform: 'linux', selfUsage: null }).collect()).toMatchObject([
      { wifiSignalPct: 60, wifiSignalDbm: null },
    ]);
  });

  it('reports the clock offset to the server, null until it is known', async () => {
    let offset: number | null = null;
    const health = new HealthCollector({
      si: fakeSi(),
      platform: 'linux',
      selfUsage: null,
      clockOffsetMs: () => offset,
    });
    expect((await health.collect())[0]?.clockOffsetMs).toBeNull();
    offset = -1250;
    expect((await health.collect())[0]?.clockOffsetMs).toBe(-1250);
  });

  it("reports the agent's own CPU share and memory", async () => {
    let cpuMicros = 0;
    let ms = 0;
    const self = new SelfUsage({
      cpuMicros: () => cpuMicros,
      monotonicMs: () => ms,
      rssBytes: () => 83 * 1_048_576,
    });
    const health = new HealthCollector({ si: fakeSi(), platform: 'linux', selfUsage: self });
    cpuMicros = 600_000;
    ms = 60_000;
    expect(await health.collect()).toMatchObject([{ agentCpuPct: 1, agentRssMb: 83 }]);
  });

  it('measures its own process by default, but gives no CPU share right after start', async () => {
    const [h] = await new HealthCollector({ si: fakeSi(), platform: 'linux' }).collect();
    expect(h?.agentRssMb).toBeGreaterThan(10);
    expect(h).not.toHaveProperty('agentCpuPct');
  });
});

describe('link type', () => {
  it('names wireless, wired and mobile broadband links', () => {
    expect(linkType(WLAN)).toBe('wifi');
    expect(linkType(ETHERNET)).toBe('ethernet');
    expect(linkType(nic({ iface: 'wwan0', type: 'wired' }))).toBe('mobile');
    expect(linkType(nic({ iface: 'wwp0s20f0u6', type: 'wired' }))).toBe('mobile');
    expect(linkType(nic({ iface: 'Mobilfunk', ifaceName: 'Generic Mobile Broadband Adapter' }))).toBe(
      'mobile',
    );
    expect(
      linkType(nic({ iface: 'Ethernet 3', ifaceName: 'Remote NDIS based Internet Sharing Device' })),
    ).toBe('mobile');
    expect(linkType(nic({ iface: 'en7', ifaceName: 'iPhone USB', type: 'wired' }))).toBe('mobile');
    expect(linkType(undefined)).toBe('none');
  });

  it('looks through a full-tunnel VPN to the physical link below it', () => {
    const wg = nic({ iface: 'wg0', ip4: '10.8.0.2', default: true, operstate: 'unknown', type: 'virtual' });
    expect(primaryInterface([LOOPBACK, wg, WLAN])?.iface).toBe('wlan0');
  });
});
