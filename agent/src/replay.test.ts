import { readdirSync, readFileSync } from 'node:fs';
import type { ObservationData } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import {
  loadRecording,
  parseRecording,
  type RawRecording,
  replayRunCommand,
  replaySnapshot,
  replaySystemInfo,
} from './replay.js';
import type { Snapshot } from './snapshot.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const example = (name: string) => loadRecording(new URL(`replay/${name}.json`, FIXTURES).pathname);
const of = <K extends ObservationData['kind']>(s: Snapshot, kind: K) =>
  s.observations.filter((o): o is Extract<ObservationData, { kind: K }> => o.kind === kind);
const one = <K extends ObservationData['kind']>(s: Snapshot, kind: K) => {
  const found = of(s, kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('replay of the example recordings', () => {
  it('Windows 11 notebook: GlobalProtect up, YubiKey 5, Wi-Fi, both Fachverfahren answer', async () => {
    const s = await replaySnapshot(example('windows-globalprotect-yubikey5'));
    expect(one(s, 'identity')).toMatchObject({
      hostname: 'NB-STADT-0815',
      serial: 'PF4ABC12',
      os: 'windows',
      osBuild: '22631',
      manufacturer: 'LENOVO',
    });
    expect(one(s, 'vpn')).toMatchObject({
      state: 'up',
      vendor: expect.stringMatching(/GlobalProtect/),
      interface: 'Ethernet 3',
      addresses: ['10.12.0.5'],
      since: 1_733_387_400_000,
      gatewayRttMs: 14.2,
      // Find-NetRoute, recorded: both Fachverfahren leave through the GlobalProtect adapter
      routes: [
        { host: 'ewo.stadt.local', viaTunnel: true, interface: 'Ethernet 3' },
        { host: 'gis.stadt.local', viaTunnel: true, interface: 'Ethernet 3' },
      ],
    });
    const key = one(s, 'securityKey');
    expect(key).toMatchObject({ available: true, present: true });
    expect(key.keys).toHaveLength(1);
    expect(key.keys[0]).toMatchObject({
      vendor: 'Yubico',
      product: 'YubiKey 5',
      interfaces: ['OTP', 'FIDO', 'CCID'],
    });
    expect(one(s, 'health')).toMatchObject({
      link: 'wifi',
      wifiSignalDbm: -58,
      batteryPct: 87,
      onAc: true,
      charging: true,
      batteryHealthPct: 90,
      diskFreePct: 40,
    });
    expect(of(s, 'probe').map((p) => [p.probeId, p.ok, p.phases.totalMs])).toEqual([
      ['ewo', true, 212.3],
      ['gis', true, 19.9],
    ]);
  });

  it('MacBook on a weak café Wi-Fi: no tunnel (system utun interfaces are none), no key, on battery', async () => {
    const s = await replaySnapshot(example('macos-wifi-no-key'));
    expect(one(s, 'identity')).toMatchObject({
      os: 'macos',
      osVersion: 'macOS 14.5',
      hostname: 'MB-STADT-0042',
    });
    expect(one(s, 'vpn')).toMatchObject({ state: 'down', vendor: null, interface: null, addresses: [] });
    expect(one(s, 'securityKey')).toMatchObject({ available: true, present: false, keys: [] });
    expect(one(s, 'health')).toMatchObject({
      link: 'wifi',
      wifiSignalPct: 46,
      wifiSignalDbm: -77,
      linkSpeedMbps: 144,
      batteryPct: 54,
      onAc: false,
      // the writable data volume, not the sealed system volume
      diskFreePct: 62.7,
    });
    expect(of(s, 'probe')).toEqual([]);
  });

  it('Linux notebook in a dock: WireGuard up, GIS refuses, node-hid cannot load', async () => {
    const s = await replaySnapshot(example('linux-wireguard-dock-no-libusb'));
    expect(one(s, 'vpn')).toMatchObject({
      state: 'up',
      vendor: 'WireGuard',
      interface: 'wg0',
      gatewayRttMs: 18.4,
      // the peer endpoint from `wg show wg0 endpoints`
      gateway: '198.51.100.10',
      routes: [
        { host: 'ewo.stadt.local', viaTunnel: true, interface: 'wg0' },
        { host: 'gis.stadt.local', viaTunnel: true, interface: 'wg0' },
      ],
    });
    expect(one(s, 'securityKey')).toMatchObject({
      available: false,
      reason: expect.stringContaining('libusb-1.0.so.0'),
    });
    expect(s.capabilities.find((c) => c.name === 'securityKey')?.available).toBe(false);
    // the docking station's Ethernet carries the tunnel, not the switched-off Wi-Fi or docker0
    expect(one(s, 'health')).toMatchObject({ link: 'ethernet', linkSpeedMbps: 1000, onAc: true });
    expect(of(s, 'probe').find((p) => p.probeId === 'gis')).toMatchObject({
      ok: false,
      errorClass: 'refused',
    });
  });

  it('Windows 10 on LTE: Cisco tunnel up but the intranet does not answer, Security Key by Yubico', async () => {
    const s = await replaySnapshot(example('windows-anyconnect-degraded-lte'));
    expect(one(s, 'vpn')).toMatchObject({ state: 'degraded', vendor: expect.stringMatching(/Cisco/) });
    expect(one(s, 'securityKey').keys.map((k) => [k.product, k.interfaces])).toEqual([
      ['Security Key by Yubico', ['FIDO']],
    ]);
    expect(one(s, 'health')).toMatchObject({ link: 'mobile', batteryPct: 23, diskFreePct: 7.3 });
  });

  it('computes the same observations every time: the clock stands at the recorded moment', async () => {
    const rec = example('linux-wireguard-dock-no-libusb');
    const [a, b] = [await replaySnapshot(rec), await replaySnapshot(rec)];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(one(a, 'vpn').since).toBe(rec.clock.now);
  });
});

describe('every lagebild-raw/1 file in agent/fixtures', () => {
  const files = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .filter((f) => JSON.parse(readFileSync(new URL(f, FIXTURES), 'utf8')).format === 'lagebild-raw/1');

  it('includes at least the example recordings', () => {
    expect(files.filter((f) => f.startsWith('replay/')).length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s loads and replays', async (file) => {
    const rec = loadRecording(new URL(file, FIXTURES).pathname);
    const s = await replaySnapshot(rec);
    // what a file holds gives observations; what it leaves out is reported, never a crash
    const failed = of(s, 'agent').map((a) => a.collector);
    if ('system' in rec.si && 'osInfo' in rec.si) expect(failed).not.toContain('identity');
    if ('currentLoad' in rec.si && 'mem' in rec.si && 'time' in rec.si)
      expect(failed).not.toContain('health');
    if (file.startsWith('replay/')) expect(failed).toEqual([]);
    expect(of(s, 'securityKey')).toHaveLength(1);
  });
});

describe('replay of what was not recorded', () => {
  const bare: RawRecording = parseRecording(
    JSON.stringify({
      format: 'lagebild-raw/1',
      platform: 'linux',
      clock: { now: 1_733_387_400_000 },
      si: {
        osInfo: {
          platform: 'linux',
          distro: 'Debian GNU/Linux',
          release: '12',
          kernel: '6.1.0',
          hostname: 'nb-1',
        },
        system: { manufacturer: '', model: '', serial: '', uuid: '' },
        bios: { serial: '' },
      },
    }),
  );

  it('reports a collector whose inputs are missing as failed, naming the missing method', async () => {
    const s = await replaySnapshot(bare);
    expect(of(s, 'identity')).toHaveLength(1);
    expect(of(s, 'agent')).toContainEqual({
      kind: 'agent',
      event: 'collector-failed',
      collector: 'health',
      detail: 'si.currentLoad was not recorded',
    });
  });

  it('reports security keys as not checkable when no HID list was recorded', async () => {
    const s = await replaySnapshot(bare);
    expect(one(s, 'securityKey')).toMatchObject({
      available: false,
      reason: 'the HID device list was not recorded',
    });
  });

  it('answers an unrecorded command with code null and "not recorded"', async () => {
    const run = replayRunCommand(bare);
    expect(await run('ip', ['route', 'get', '10.0.0.1'])).toEqual({
      code: null,
      stdout: '',
      stderr: 'not recorded',
    });
  });

  it('fails a SystemInfo call as the notebook did, and hands out copies', async () => {
    const rec = parseRecording(
      JSON.stringify({
        ...bare,
        si: { battery: { $error: 'WMI: Zugriff verweigert' }, time: { uptime: 5 } },
      }),
    );
    const si = replaySystemInfo(rec);
    await expect(si.battery()).rejects.toThrow('WMI: Zugriff verweigert');
    si.time().uptime = 99;
    expect(si.time().uptime).toBe(5);
  });
});
