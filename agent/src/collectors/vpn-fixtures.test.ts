import { readFileSync } from 'node:fs';
import type { VpnData } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { replaySnapshot } from '../replay.js';
import { parseRecording } from '../replay-format.js';
import type { NetworkInterface } from '../si.js';
import { VpnCollector } from './vpn.js';
import { replayRun, vpnFixtureNames } from './vpn-fixtures.test-util.js';

// Every fixture checks the routes of the same three Fachverfahren (config.probes): an internal name
// (ewo.stadt.example → 10.20.1.15), an internal address (10.20.5.9) and a cloud service (198.51.100.20).

/** Routes of [internal name, internal address, cloud]: split tunnel, everything through it, nothing through it. */
const SPLIT = [true, true, false];
const FULL = [true, true, true];
const NONE = [false, false, false];

interface Expected {
  vendor: string | null;
  state: VpnData['state'];
  interface: string | null;
  addresses?: string[];
  gateway?: string | null;
  routes: boolean[];
}

const EXPECTED: Record<string, Expected> = {
  'windows-wireguard': {
    vendor: 'WireGuard',
    state: 'up',
    interface: 'Stadt',
    addresses: ['10.8.0.3'],
    gateway: '203.0.113.10',
    routes: SPLIT,
  },
  'windows-openvpn-tap': {
    vendor: 'OpenVPN',
    state: 'up',
    interface: 'OpenVPN TAP-Windows6',
    routes: SPLIT,
  },
  'windows-openvpn-dco': {
    vendor: 'OpenVPN',
    state: 'up',
    interface: 'OpenVPN Data Channel Offload',
    routes: FULL,
  },
  'windows-ikev2-always-on': {
    vendor: 'IPsec/IKEv2',
    state: 'up',
    interface: 'Stadt AOVPN Device',
    addresses: ['10.10.1.5'],
    gateway: 'aovpn.stadt.example',
    routes: SPLIT,
  },
  'windows-cisco-secure-client': {
    vendor: 'Cisco Secure Client',
    state: 'up',
    interface: 'Ethernet 4',
    routes: FULL,
  },
  'windows-globalprotect': {
    vendor: 'Palo Alto GlobalProtect',
    state: 'up',
    interface: 'Ethernet 5',
    routes: SPLIT,
  },
  'windows-globalprotect-disconnected': {
    vendor: 'Palo Alto GlobalProtect',
    state: 'down',
    interface: 'Ethernet 5',
    addresses: [],
    routes: NONE,
  },
  'windows-forticlient': { vendor: 'FortiClient', state: 'up', interface: 'Ethernet 6', routes: SPLIT },
  'windows-ncp': { vendor: 'NCP Secure Client', state: 'up', interface: 'Ethernet 7', routes: SPLIT },
  'windows-check-point': { vendor: 'Check Point', state: 'up', interface: 'Ethernet 8', routes: SPLIT },
  'windows-sophos-connect': { vendor: 'Sophos Connect', state: 'up', interface: 'Ethernet 3', routes: SPLIT },
  'windows-ivanti-secure-access': {
    vendor: 'Ivanti Secure Access',
    state: 'up',
    interface: 'Ethernet 9',
    routes: FULL,
  },
  'windows-tailscale': {
    vendor: 'Tailscale',
    state: 'up',
    interface: 'Tailscale',
    addresses: ['100.101.102.103', 'fd7a:115c:a1e0::c901:6667'],
    routes: NONE,
  },
  'windows-negatives': { vendor: null, state: 'down', interface: null, routes: NONE },

  'linux-wireguard': {
    vendor: 'WireGuard',
    state: 'up',
    interface: 'wg0',
    addresses: ['10.8.0.2'],
    gateway: '203.0.113.10',
    routes: FULL,
  },
  'linux-wireguard-networkmanager': {
    vendor: 'WireGuard',
    state: 'up',
    interface: 'Stadt',
    gateway: '2001:db8::10',
    routes: SPLIT,
  },
  'linux-openvpn': { vendor: 'OpenVPN', state: 'up', interface: 'tun0', routes: SPLIT },
  'linux-openvpn-dco': { vendor: 'OpenVPN', state: 'up', interface: 'tun0', routes: SPLIT },
  'linux-strongswan-xfrm': { vendor: 'IPsec/IKEv2', state: 'up', interface: 'xfrm0', routes: SPLIT },
  'linux-strongswan-policy': {
    vendor: 'IPsec/IKEv2',
    state: 'up',
    interface: 'wlp0s20f3',
    addresses: ['10.10.0.5'],
    routes: SPLIT,
  },
  'linux-cisco-secure-client': {
    vendor: 'Cisco Secure Client',
    state: 'up',
    interface: 'cscotun0',
    routes: FULL,
  },
  'linux-globalprotect': { vendor: 'Palo Alto GlobalProtect', state: 'up', interface: 'gpd0', routes: SPLIT },
  'linux-forticlient': { vendor: 'FortiClient', state: 'up', interface: 'fctvpn1c2a3e7b', routes: SPLIT },
  'linux-check-point-snx': { vendor: 'Check Point', state: 'up', interface: 'tunsnx', routes: SPLIT },
  'linux-ivanti-secure-access': {
    vendor: 'Ivanti Secure Access',
    state: 'up',
    interface: 'tun0',
    // the recording's config names interface and client: a plain tun0 cannot tell
    routes: FULL,
  },
  'linux-tailscale': { vendor: 'Tailscale', state: 'up', interface: 'tailscale0', routes: NONE },
  'linux-zerotier': { vendor: 'ZeroTier', state: 'up', interface: 'ztmjfcpubr', routes: NONE },
  'linux-negatives': { vendor: null, state: 'down', interface: null, routes: NONE },

  'macos-wireguard': {
    vendor: 'WireGuard',
    state: 'up',
    interface: 'utun4',
    addresses: ['10.8.0.4'],
    gateway: null,
    routes: SPLIT,
  },
  'macos-openvpn-connect': { vendor: 'OpenVPN', state: 'up', interface: 'utun5', routes: SPLIT },
  'macos-tunnelblick': { vendor: null, state: 'up', interface: 'utun5', routes: SPLIT },
  'macos-ikev2': { vendor: 'IPsec/IKEv2', state: 'up', interface: 'ipsec0', routes: SPLIT },
  'macos-cisco-secure-client': {
    vendor: 'Cisco Secure Client',
    state: 'up',
    interface: 'utun6',
    routes: FULL,
  },
  'macos-globalprotect': {
    vendor: 'Palo Alto GlobalProtect',
    state: 'up',
    interface: 'utun5',
    addresses: ['10.85.40.243', 'fdae:f7e0:9f37:64::146'],
    routes: SPLIT,
  },
  'macos-globalprotect-legacy-gpd0': {
    vendor: 'Palo Alto GlobalProtect',
    state: 'up',
    interface: 'gpd0',
    routes: SPLIT,
  },
  'macos-forticlient': { vendor: 'FortiClient', state: 'up', interface: 'utun7', routes: SPLIT },
  'macos-ncp': { vendor: 'NCP Secure Client', state: 'up', interface: 'utun5', routes: SPLIT },
  'macos-check-point': { vendor: 'Check Point', state: 'up', interface: 'utun5', routes: SPLIT },
  'macos-sophos-connect': { vendor: 'Sophos Connect', state: 'up', interface: 'utun5', routes: SPLIT },
  'macos-ivanti-secure-access': {
    vendor: 'Ivanti Secure Access',
    state: 'up',
    interface: 'utun5',
    routes: FULL,
  },
  'macos-tailscale': { vendor: 'Tailscale', state: 'up', interface: 'utun5', routes: NONE },
  'macos-negatives': { vendor: null, state: 'down', interface: null, routes: NONE },
};

/** The VPN observation of a recording, computed by the VPN collector from the recorded inputs alone. */
async function vpnOf(name: string) {
  const text = readFileSync(new URL(`fixtures/vpn/${name}.json`, import.meta.url), 'utf8');
  const rec = parseRecording(text, name);
  const run = replayRun(rec.commands ?? {});
  const collector = new VpnCollector({
    ...rec.config?.vpn,
    si: { networkInterfaces: async () => rec.si.networkInterfaces as NetworkInterface[] },
    platform: rec.platform,
    run,
    resolve: async (host) => rec.dns?.[host] ?? null,
    probes: rec.config?.probes,
    now: () => rec.clock.now,
  });
  const [data] = await collector.collect({ force: true });
  return { data: data!, asked: run.asked, rec };
}

describe('VPN detection on recorded machines', () => {
  it('has an expectation for every recorded fixture and a fixture for every expectation', () => {
    expect(vpnFixtureNames()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', async (name, e) => {
    const { data, asked, rec } = await vpnOf(name);
    expect({ vendor: data.vendor, state: data.state, interface: data.interface }).toEqual({
      vendor: e.vendor,
      state: e.state,
      interface: e.interface,
    });
    if (e.addresses) expect(data.addresses).toEqual(e.addresses);
    if (e.state === 'up') expect(data.addresses.length).toBeGreaterThan(0);
    if (e.gateway !== undefined) expect(data.gateway).toBe(e.gateway);
    expect(data.routes?.map((r) => r.host)).toEqual(['ewo.stadt.example', '10.20.5.9', 'cloud.example.net']);
    expect(data.routes?.map((r) => r.viaTunnel)).toEqual(e.routes);
    // every route was determined from the recorded tool output
    expect(data.routes?.every((r) => typeof r.interface === 'string')).toBe(true);
    // the recording holds every tool output the collector asked for
    expect(asked.filter((k) => !(k in (rec.commands ?? {})))).toEqual([]);
  });

  it.each(vpnFixtureNames())(
    'replays %s with `snapshot --replay` to the same VPN observation',
    async (name) => {
      const text = readFileSync(new URL(`fixtures/vpn/${name}.json`, import.meta.url), 'utf8');
      const snapshot = await replaySnapshot(parseRecording(text, name));
      const vpn = snapshot.observations.filter((o) => o.kind === 'vpn');
      expect(vpn).toEqual([(await vpnOf(name)).data]);
    },
  );
});
