import { describe, expect, it } from 'vitest';
import { scrubRecording } from './record-scrub.js';
import type { RawRecording } from './replay-format.js';
import type { Snapshot } from './snapshot.js';

const recording = (over: Partial<RawRecording>): RawRecording => ({
  format: 'lagebild-raw/1',
  platform: 'linux',
  clock: { now: 1_733_387_400_000 },
  si: {},
  ...over,
});
const sent = (...observations: Snapshot['observations']): Snapshot => ({ capabilities: [], observations });
const vpnUp: Snapshot['observations'][number] = {
  kind: 'vpn',
  change: false,
  state: 'up',
  vendor: 'WireGuard',
  interface: 'wg0',
  addresses: ['2a01:4f8:10::3'],
  since: 1,
};

describe('scrubbing a recording', () => {
  it('drops Wi-Fi network names and access-point addresses wherever they are', () => {
    const out = scrubRecording(
      recording({
        si: {
          wifiConnections: [
            { iface: 'wlan0', ssid: 'FRITZ!Box Müller', bssid: 'aa:bb:cc:dd:ee:ff', quality: 70 },
          ],
        },
      }),
      sent(),
    );
    expect(out.si.wifiConnections).toEqual([{ iface: 'wlan0', quality: 70 }]);
    expect(JSON.stringify(out)).not.toMatch(/Müller|aa:bb:cc/);
  });

  it('keeps the manufacturer part of MAC addresses and blanks the device part', () => {
    const out = scrubRecording(
      recording({
        si: {
          networkInterfaces: [
            { iface: 'eth0', mac: '00:15:5D:12:34:56' },
            { iface: 'lo', mac: '' },
          ],
        },
      }),
      sent(),
    );
    expect(out.si.networkInterfaces).toEqual([
      { iface: 'eth0', mac: '00:15:5D:00:00:00' },
      { iface: 'lo', mac: '' },
    ]);
  });

  it('blanks identifiers the agent does not send, and keeps the serial number it does send', () => {
    const out = scrubRecording(
      recording({
        si: {
          system: { serial: 'PF4ABC12', uuid: '4c4c4544-0042-3510-8052-b4c04f4d3232' },
          osInfo: { serial: '00330-80000-00000-AA123', fqdn: 'nb-0815.stadt.local', hostname: 'nb-0815' },
          battery: { serial: 'SMP-1234' },
        },
        hid: [{ vendorId: 0x1050, productId: 0x0407, serialNumber: '16021303' }],
      }),
      sent({
        kind: 'identity',
        hostname: 'nb-0815',
        serial: 'PF4ABC12',
        os: 'linux',
        osVersion: '',
        agentVersion: '',
      }),
    );
    expect(out.si).toEqual({
      system: { serial: 'PF4ABC12', uuid: '' },
      osInfo: { serial: '', fqdn: '', hostname: 'nb-0815' },
      battery: { serial: '' },
    });
    expect(out.hid).toEqual([{ vendorId: 0x1050, productId: 0x0407, serialNumber: '' }]);
  });

  it('replaces user names in paths and the account name in command output', () => {
    const out = scrubRecording(
      recording({
        si: {
          fsSize: [
            { fs: '/dev/sdb1', mount: '/media/anna.schmidt/USB', size: 1, available: 1 },
            { fs: '//fs01/home$/aschmidt', mount: '/home/aschmidt/H', size: 1, available: 1 },
            { fs: '/dev/mapper/home-a.schmidt', mount: '/home/a.schmidt', size: 1, available: 1 },
            { fs: 'Z:', mount: 'C:\\Users\\aschmidt\\OneDrive - Stadt', size: 1, available: 1 },
          ],
        },
        commands: { 'whoami /upn': { code: 0, stdout: 'STADT\\aschmidt\r\n', stderr: '' } },
      }),
      sent(),
      'aschmidt',
    );
    expect(JSON.stringify(out)).not.toContain('aschmidt');
    expect(out.si.fsSize).toEqual([
      { fs: '/dev/sdb1', mount: '/media/<user>/USB', size: 1, available: 1 },
      { fs: '//fs01/home$/<user>', mount: '/home/<user>/H', size: 1, available: 1 },
      { fs: '/dev/mapper/home-a.schmidt', mount: '/home/<user>', size: 1, available: 1 },
      { fs: 'Z:', mount: 'C:\\Users\\<user>\\OneDrive - Stadt', size: 1, available: 1 },
    ]);
    expect(out.commands?.['whoami /upn']?.stdout).toBe('STADT\\<user>\r\n');
  });

  it('leaves a generic account name such as root alone', () => {
    const out = scrubRecording(
      recording({ commands: { 'ip route get 10.0.0.1': { code: 0, stdout: 'via root-gw', stderr: '' } } }),
      sent(),
      'root',
    );
    expect(out.commands?.['ip route get 10.0.0.1']?.stdout).toBe('via root-gw');
  });

  it('replaces public and link-local addresses of own interfaces everywhere, consistently', () => {
    const out = scrubRecording(
      recording({
        si: {
          networkInterfaces: [
            { iface: 'wlan0', ip4: '192.168.178.31', ip6: '2003:e4:af12:3400:5c3a:1bff:fe22:3344' },
            { iface: 'wwan0', ip4: '46.114.7.9', ip6: 'fe80::5c3a:1bff:fe22:3344' },
            { iface: 'wg0', ip4: '10.8.0.3', ip6: '2a01:4f8:10::3' },
          ],
        },
        commands: {
          'ip route get 10.20.1.15': {
            code: 0,
            stdout: '10.20.1.15 via 46.114.7.1 dev wwan0 src 46.114.7.9 uid 1000\n',
            stderr: '',
          },
          'ip -6 route get 2001:db8:1::1': {
            code: 0,
            stdout: '2001:db8:1::1 from :: dev wlan0 src 2003:e4:af12:3400:5c3a:1bff:fe22:3344 metric 600\n',
            stderr: '',
          },
        },
      }),
      sent(vpnUp),
    );
    expect(out.si.networkInterfaces).toEqual([
      { iface: 'wlan0', ip4: '192.168.178.31', ip6: '2001:db8::1' },
      { iface: 'wwan0', ip4: '203.0.113.2', ip6: 'fe80::3' },
      // the tunnel address is part of the VPN observation: it stays
      { iface: 'wg0', ip4: '10.8.0.3', ip6: '2a01:4f8:10::3' },
    ]);
    expect(out.commands?.['ip route get 10.20.1.15']?.stdout).toBe(
      '10.20.1.15 via 46.114.7.1 dev wwan0 src 203.0.113.2 uid 1000\n',
    );
    expect(out.commands?.['ip -6 route get 2001:db8:1::1']?.stdout).toContain('src 2001:db8::1 metric');
  });

  it('does not mistake an address for the start of a longer one', () => {
    const out = scrubRecording(
      recording({
        si: { networkInterfaces: [{ iface: 'wwan0', ip4: '46.114.7.9' }] },
        commands: { x: { code: 0, stdout: '46.114.7.90 46.114.7.9. 146.114.7.9', stderr: '' } },
      }),
      sent(),
    );
    expect(out.commands?.x?.stdout).toBe('46.114.7.90 203.0.113.1. 146.114.7.9');
  });

  it('keeps probe results and the configuration as they are: the agent sends them', () => {
    const probe = {
      kind: 'probe' as const,
      probeId: 'ewo',
      app: 'Einwohnerwesen',
      probeKind: 'http' as const,
      target: 'https://ewo.stadt.local/',
      ok: true,
      errorClass: null,
      phases: { totalMs: 200 },
    };
    const rec = recording({ probes: { ewo: probe }, config: { vpn: { checkTarget: 'intranet:443' } } });
    const out = scrubRecording(rec, sent(probe));
    expect(out.probes).toEqual(rec.probes);
    expect(out.config).toEqual(rec.config);
  });
});
