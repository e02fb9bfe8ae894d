import { describe, expect, it } from 'vitest';
import type { NetworkInterface, SystemInfo } from '../si.js';
import { AGENT_VERSION } from '../version.js';
import { hardwareId, IdentityCollector, osFamily, readIdentity } from './identity.js';
import { DOCKER, LOOPBACK, nic } from './vpn-fixtures.test-util.js';

type IdentitySi = Pick<SystemInfo, 'system' | 'bios' | 'osInfo' | 'networkInterfaces'>;

function fakeSi(
  over: { serial?: string; uuid?: string; hostname?: string; nics?: NetworkInterface[] } = {},
): IdentitySi {
  return {
    system: async () => ({
      manufacturer: 'LENOVO',
      model: '21HD',
      serial: over.serial ?? 'PF4ABC12',
      uuid: over.uuid ?? '4C4C4544-0037-3010-8052-B4C04F4E3432',
    }),
    bios: async () => ({ serial: '' }),
    osInfo: async () => ({
      platform: 'Windows',
      distro: 'Microsoft Windows 11 Enterprise',
      release: '10.0.22631',
      build: '22631',
      kernel: '10.0.22631',
      hostname: over.hostname ?? 'NB-STADT-0815',
      serial: '00329-10280-00000-AA123',
    }),
    networkInterfaces: async () =>
      over.nics ?? [LOOPBACK, nic({ iface: 'WLAN', mac: '3C:52:82:AA:BB:CC', type: 'wireless' })],
  };
}

describe('device identity', () => {
  it('reads hostname, serial, OS and hardware model', async () => {
    expect(await readIdentity(fakeSi())).toEqual({
      kind: 'identity',
      hostname: 'NB-STADT-0815',
      serial: 'PF4ABC12',
      os: 'windows',
      osVersion: 'Microsoft Windows 11 Enterprise 10.0.22631',
      osBuild: '22631',
      manufacturer: 'LENOVO',
      model: '21HD',
      agentVersion: AGENT_VERSION,
    });
  });

  it('reports the site and org unit from the installation settings', async () => {
    const data = await readIdentity(fakeSi(), { site: 'Rathaus Mitte', orgUnit: 'Amt 33' });
    expect(data).toMatchObject({ site: 'Rathaus Mitte', orgUnit: 'Amt 33' });
    expect(await readIdentity(fakeSi(), {})).not.toHaveProperty('site');
  });

  it('leaves the serial empty when the firmware only has a placeholder', async () => {
    expect((await readIdentity(fakeSi({ serial: 'To be filled by O.E.M.' }))).serial).toBe('');
  });

  it('maps platforms to OS families', () => {
    expect(['win32', 'Windows', 'darwin', 'linux', 'freebsd'].map(osFamily)).toEqual([
      'windows',
      'windows',
      'macos',
      'linux',
      'other',
    ]);
  });

  it('reports identity once and again only when it changes', async () => {
    let hostname = 'NB-STADT-0815';
    const si = fakeSi();
    const collector = new IdentityCollector({
      ...si,
      osInfo: async () => ({ ...(await fakeSi({ hostname }).osInfo()) }),
    });
    expect(await collector.collect()).toHaveLength(1);
    expect(await collector.collect()).toEqual([]);
    expect(await collector.collect({ force: true })).toHaveLength(1);
    hostname = 'NB-STADT-0816';
    expect(await collector.collect()).toMatchObject([{ hostname: 'NB-STADT-0816' }]);
  });
});

describe('hardware id', () => {
  it('is a SHA-256 that stays the same when a dock adds a network adapter', async () => {
    const id = await hardwareId(fakeSi());
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const docked = fakeSi({ nics: [nic({ iface: 'Ethernet 2', mac: 'a0:ce:c8:01:02:03' }), DOCKER] });
    expect(await hardwareId(docked)).toBe(id);
  });

  it('differs between machines', async () => {
    expect(await hardwareId(fakeSi({ uuid: '11111111-2222-3333-4444-555555555555' }))).not.toBe(
      await hardwareId(fakeSi()),
    );
  });

  it('falls back to the sorted physical MAC addresses when the firmware has no UUID or serial', async () => {
    const a = nic({ iface: 'eth0', mac: '3c:52:82:11:22:33' });
    const b = nic({ iface: 'wlan0', mac: '3c:52:82:aa:bb:cc' });
    const one = await hardwareId(fakeSi({ uuid: '', serial: '-', nics: [a, b, DOCKER] }));
    const two = await hardwareId(fakeSi({ uuid: '', serial: '-', nics: [b, a] }));
    const other = await hardwareId(fakeSi({ uuid: '', serial: '-', nics: [a] }));
    expect(one).toBe(two);
    expect(one).not.toBe(other);
  });
});
