import { describe, expect, it } from 'vitest';
import {
  parseLinkKinds,
  parsePolicyRoutes,
  parseScutilNcList,
  parseVpnConnections,
  parseWgEndpoints,
} from './vpn-os-parse.js';

describe('reading the OS tools behind VPN detection', () => {
  it('reads link kinds from `ip -details -json link show` (wireguard-go shows as tun)', () => {
    // recorded in a network namespace with a wireguard-go and a kernel WireGuard interface
    const out = JSON.stringify([
      { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], link_type: 'loopback' },
      {
        ifindex: 2,
        ifname: 'wg0',
        flags: ['POINTOPOINT', 'MULTICAST', 'NOARP'],
        linkinfo: { info_kind: 'tun', info_data: { type: 'tun', pi: true, vnet_hdr: false } },
      },
      { ifindex: 3, ifname: 'Stadt', linkinfo: { info_kind: 'wireguard' } },
      { ifindex: 4, ifname: 'eth0@if5', link_netnsid: 0, linkinfo: { info_kind: 'veth' } },
    ]);
    expect([...parseLinkKinds(out)]).toEqual([
      ['wg0', 'tun'],
      ['Stadt', 'wireguard'],
      ['eth0@if5', 'veth'],
    ]);
    expect(parseLinkKinds('Error: no such device')).toEqual(new Map());
  });

  it("reads strongSwan's routes in table 220 and skips unroutable entries", () => {
    const out =
      '10.20.0.0/16 via 192.168.178.1 dev wlp0s20f3 proto static src 10.10.0.5 \n' +
      'fd00:20::/64 dev wlp0s20f3 proto static src fd00:10::5 metric 1024 pref medium\n' +
      'unreachable 10.99.0.0/16 proto static\n';
    expect(parsePolicyRoutes(out)).toEqual([
      { destination: '10.20.0.0/16', dev: 'wlp0s20f3', src: '10.10.0.5' },
      { destination: 'fd00:20::/64', dev: 'wlp0s20f3', src: 'fd00:10::5' },
    ]);
    expect(parsePolicyRoutes('')).toEqual([]);
  });

  it('reads the VPN services of `scutil --nc list`, connected or not', () => {
    const out = `Available network connection services in the current set (*=enabled):
* (Connected)      5B5C8D2F-4A1E-4D39-A4E1-6F0E4C2B9A01 VPN (com.wireguard.macos) "Stadt"                         [VPN:com.wireguard.macos]
* (Disconnected)   0F0E2A45-1B2C-4D5E-8F90-A1B2C3D4E5F6 IPSec              "Stadt IKEv2"                   [IPSec]
  (Disconnected)   7A6B5C4D-3E2F-4A1B-9C8D-7E6F5A4B3C2D PPP                "L2TP alt"                      [PPP/L2TP]
`;
    expect(parseScutilNcList(out)).toEqual([
      { connected: true, type: 'VPN (com.wireguard.macos)', name: 'Stadt' },
      { connected: false, type: 'IPSec', name: 'Stadt IKEv2' },
      { connected: false, type: 'PPP', name: 'L2TP alt' },
    ]);
  });

  it('reads Get-VpnConnection as a single object or a list', () => {
    const one =
      '{"Name":"Stadt AOVPN Device","ServerAddress":"aovpn.stadt.example","TunnelType":"Ikev2","ConnectionStatus":"Connected"}';
    expect(parseVpnConnections(one)).toEqual([
      {
        name: 'Stadt AOVPN Device',
        serverAddress: 'aovpn.stadt.example',
        tunnelType: 'Ikev2',
        connected: true,
      },
    ]);
    const list =
      '[{"Name":"A","ServerAddress":"","TunnelType":"Automatic","ConnectionStatus":"Disconnected"},{"Name":"B"}]';
    expect(parseVpnConnections(list)).toEqual([
      { name: 'A', serverAddress: null, tunnelType: 'Automatic', connected: false },
      { name: 'B', serverAddress: null, tunnelType: null, connected: false },
    ]);
    expect(parseVpnConnections('')).toEqual([]);
    expect(parseVpnConnections('Get-VpnConnection : not recognized')).toEqual([]);
  });

  it('reads the peer endpoint of `wg show <iface> endpoints` without the port', () => {
    expect(parseWgEndpoints('mQ3Bv6xV0r0lS2rH0n8JvR7mQmL2yKc0sQe1YxJk9Xc=\t203.0.113.10:51820\n')).toBe(
      '203.0.113.10',
    );
    expect(parseWgEndpoints('key=\t[2001:db8::10]:51820\n')).toBe('2001:db8::10');
    expect(parseWgEndpoints('key1=\t(none)\nkey2=\t192.0.2.7:443\n')).toBe('192.0.2.7');
    expect(parseWgEndpoints('key=\t(none)\n')).toBeNull();
  });
});
