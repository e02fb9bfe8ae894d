import { describe, expect, it } from 'vitest';
import type { NetworkInterface } from '../si.js';
import { HealthCollector, type HealthCollectorOptions, linkType, primaryInterface } from './health.js';
import { ETHERNET, LOOPBACK, nic, WLAN } from './vpn-fixtures.test-util.js';

const GIB = 1024 ** 3;

function fakeSi(
  over: { nics?: NetworkInterface[]; battery?: boolean; wifiQuality?: number | 'throws' } = {},
) {
  return {
    currentLoad: async () => ({ currentLoad: 37.26 }),
    mem: async () => ({ total: 16 * GIB, active: 12 * GIB }),
    fsSize: async () => [
      { fs: 'C:', mount: 'C:', size: 500 * GIB, available: 50 * GIB },
      { fs: '/dev/nvme0n1p2', mount: '/', size: 200 * GIB, available: 150 * GIB },
      { fs: '/dev/disk3s5', mount: '/System/Volumes/Data', size: 400 * GIB, available: 100 * GIB },
    ],
    battery: async () => ({ hasBattery: over.battery ?? true, percent: 64, acConnected: false }),
    networkInterfaces: async () => over.nics ?? [LOOPBACK, { ...ETHERNET, default: true }],
    wifiConnections: async () => {
      if (over.wifiQuality === 'throws') throw new Error('nmcli missing');
      return [{ iface: 'wlan0', quality: over.wifiQuality ?? 72 }];
    },
    time: () => ({ uptime: 86_400.7 }),
  } satisfies HealthCollectorOptions['si'];
}

describe('health collector', () => {
  it('reports CPU, memory, disk, battery, link and uptime', async () => {
    const health = new HealthCollector({ si: fakeSi(), platform: 'linux' });
    expect(await health.collect()).toEqual([
      {
        kind: 'health',
        cpuPct: 37.3,
        memPct: 75,
        memTotalMb: 16_384,
        diskFreePct: 75,
        batteryPct: 64,
        onAc: false,
        link: 'ethernet',
        uptimeSec: 86_400,
      },
    ]);
  });

  it('reads free space of the system drive on Windows and of the data volume on macOS', async () => {
    const win = await new HealthCollector({ si: fakeSi(), platform: 'win32', systemDrive: 'C:' }).collect();
    expect(win[0]?.diskFreePct).toBe(10);
    const mac = await new HealthCollector({ si: fakeSi(), platform: 'darwin' }).collect();
    expect(mac[0]?.diskFreePct).toBe(25);
  });

  it('reports no battery on a machine without one', async () => {
    const [h] = await new HealthCollector({ si: fakeSi({ battery: false }), platform: 'linux' }).collect();
    expect(h).toMatchObject({ batteryPct: null, onAc: null });
  });

  it('adds the Wi-Fi signal when the notebook is on Wi-Fi', async () => {
    const si = fakeSi({ nics: [{ ...WLAN, default: true }] });
    expect(await new HealthCollector({ si, platform: 'linux' }).collect()).toMatchObject([
      { link: 'wifi', wifiSignalPct: 72 },
    ]);
  });

  it('reports an unknown Wi-Fi signal instead of failing when the OS cannot tell', async () => {
    const si = fakeSi({ nics: [{ ...WLAN, default: true }], wifiQuality: 'throws' });
    expect(await new HealthCollector({ si, platform: 'linux' }).collect()).toMatchObject([
      { link: 'wifi', wifiSignalPct: null },
    ]);
  });
});

describe('link type', () => {
  it('names wireless, wired and mobile broadband links', () => {
    expect(linkType(WLAN)).toBe('wifi');
    expect(linkType(ETHERNET)).toBe('ethernet');
    expect(linkType(nic({ iface: 'wwan0', type: 'wired' }))).toBe('mobile');
    expect(linkType(nic({ iface: 'Mobilfunk', ifaceName: 'Generic Mobile Broadband Adapter' }))).toBe(
      'mobile',
    );
    expect(linkType(undefined)).toBe('none');
  });

  it('looks through a full-tunnel VPN to the physical link below it', () => {
    const wg = nic({ iface: 'wg0', ip4: '10.8.0.2', default: true, operstate: 'unknown', type: 'virtual' });
    expect(primaryInterface([LOOPBACK, wg, WLAN])?.iface).toBe('wlan0');
  });
});
