import { describe, expect, it } from 'vitest';
import { detectTunnel } from './vpn-detect.js';
import {
  BRIDGE,
  DOCKER,
  ETHERNET,
  LOOPBACK,
  MAC_UTUN_SYSTEM,
  nic,
  VETH,
  VIRBR,
  WIN_BLUETOOTH,
  WIN_HYPERV,
  WIN_VBOX,
  WIN_VMWARE,
  WIN_WIFI,
  WIN_WIFI_DIRECT,
  WLAN,
} from './vpn-fixtures.test-util.js';

const tunnels = [
  [
    'WireGuard on Linux',
    nic({ iface: 'wg0', ip4: '10.8.0.2', operstate: 'unknown', type: 'virtual' }),
    'WireGuard',
  ],
  [
    'WireGuard on Windows',
    nic({ iface: 'Stadt', ifaceName: 'WireGuard Tunnel', ip4: '10.8.0.3' }),
    'WireGuard',
  ],
  ['OpenVPN tun on Linux', nic({ iface: 'tun0', ip4: '10.9.0.6', operstate: 'unknown' }), 'OpenVPN'],
  ['OpenVPN tap on macOS', nic({ iface: 'tap1', ip4: '10.9.1.6' }), 'OpenVPN'],
  [
    'OpenVPN TAP on Windows',
    nic({ iface: 'Ethernet 3', ifaceName: 'TAP-Windows Adapter V9', ip4: '10.9.0.10' }),
    'OpenVPN',
  ],
  [
    'OpenVPN DCO on Windows',
    nic({
      iface: 'OpenVPN Data Channel Offload',
      ifaceName: 'OpenVPN Data Channel Offload',
      ip4: '10.9.0.11',
    }),
    'OpenVPN',
  ],
  ['OpenVPN DCO on Linux', nic({ iface: 'ovpn-dco0', ip4: '10.9.0.12', operstate: 'unknown' }), 'OpenVPN'],
  ['IPsec xfrm on Linux', nic({ iface: 'xfrm0', ip4: '10.10.0.2', operstate: 'unknown' }), 'IPsec/IKEv2'],
  ['IPsec ipsec0 on Linux', nic({ iface: 'ipsec0', ip4: '10.10.0.3' }), 'IPsec/IKEv2'],
  [
    'Always-On VPN (IKEv2) on Windows',
    nic({ iface: 'Stadt AOVPN', ifaceName: 'WAN Miniport (IKEv2)', ip4: '10.10.1.5' }),
    'IPsec/IKEv2',
  ],
  [
    'Cisco AnyConnect on Windows',
    nic({
      iface: 'Ethernet 4',
      ifaceName: 'Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter for Windows x64',
      ip4: '10.11.0.7',
    }),
    'Cisco Secure Client',
  ],
  [
    'Cisco Secure Client 5 on Windows',
    nic({
      iface: 'Ethernet 4',
      ifaceName: 'Cisco Secure Client Virtual Miniport Adapter for Windows x64',
      ip4: '10.11.0.9',
    }),
    'Cisco Secure Client',
  ],
  [
    'Cisco Secure Client on Linux',
    nic({ iface: 'cscotun0', ip4: '10.11.0.8', operstate: 'unknown' }),
    'Cisco Secure Client',
  ],
  [
    'GlobalProtect on Windows',
    nic({ iface: 'Ethernet 5', ifaceName: 'PANGP Virtual Ethernet Adapter Secure #2', ip4: '10.12.0.4' }),
    'Palo Alto GlobalProtect',
  ],
  [
    'GlobalProtect on Linux',
    nic({ iface: 'gpd0', ip4: '10.12.0.5', operstate: 'unknown' }),
    'Palo Alto GlobalProtect',
  ],
  [
    'FortiClient IPsec on Windows',
    nic({
      iface: 'Ethernet 6',
      ifaceName: 'Fortinet Virtual Ethernet Adapter (NDIS 6.30)',
      ip4: '10.13.0.5',
    }),
    'FortiClient',
  ],
  [
    'FortiClient on Windows',
    nic({ iface: 'Ethernet 6', ifaceName: 'Fortinet SSL VPN Virtual Ethernet Adapter', ip4: '10.13.0.2' }),
    'FortiClient',
  ],
  [
    'FortiClient 7.2 on Linux',
    nic({ iface: 'fctvpn1c2a3e7b', ip4: '10.13.0.3', operstate: 'unknown' }),
    'FortiClient',
  ],
  [
    'Check Point SNX on Linux',
    nic({ iface: 'tunsnx', ip4: '10.15.0.3', operstate: 'unknown' }),
    'Check Point',
  ],
  [
    'OpenVPN (Tunnelblick kernel extension) on macOS',
    nic({ iface: 'tun0', ip4: '10.9.0.9', operstate: 'unknown' }),
    'OpenVPN',
  ],
  [
    'NCP on Windows',
    nic({ iface: 'NCP', ifaceName: 'NCP Secure Client Virtual NDIS6 Adapter', ip4: '10.14.0.2' }),
    'NCP Secure Client',
  ],
  [
    'Check Point on Windows',
    nic({
      iface: 'Ethernet 7',
      ifaceName: 'Check Point Virtual Network Adapter For Endpoint VPN Client',
      ip4: '10.15.0.2',
    }),
    'Check Point',
  ],
  [
    'Sophos on Windows',
    nic({ iface: 'Ethernet 8', ifaceName: 'Sophos TAP Adapter', ip4: '10.16.0.2' }),
    'Sophos Connect',
  ],
  [
    'Sophos on a TAP-Windows adapter named after it',
    nic({ iface: 'Sophos SSL VPN Adapter', ifaceName: 'TAP-Windows Adapter V9', ip4: '10.16.0.3' }),
    'Sophos Connect',
  ],
  [
    'Pulse Secure on Windows',
    nic({ iface: 'Ethernet 9', ifaceName: 'Juniper Networks Virtual Adapter', ip4: '10.17.0.2' }),
    'Ivanti Secure Access',
  ],
  [
    'Ivanti on Windows',
    nic({ iface: 'Ethernet 10', ifaceName: 'Pulse Secure Virtual Adapter', ip4: '10.17.0.3' }),
    'Ivanti Secure Access',
  ],
  ['Tailscale on Linux', nic({ iface: 'tailscale0', ip4: '100.64.0.7', operstate: 'unknown' }), 'Tailscale'],
  [
    'ZeroTier on Windows',
    nic({
      iface: 'ZeroTier One [8056c2e21c000001]',
      ifaceName: 'ZeroTier Virtual Port',
      ip4: '172.27.40.13',
    }),
    'ZeroTier',
  ],
  ['a generic utun on macOS', nic({ iface: 'utun4', ip4: '10.18.0.2', operstate: 'unknown' }), null],
  ['a generic ppp link', nic({ iface: 'ppp0', ip4: '10.19.0.2' }), null],
  [
    'a Wintun adapter of an unknown client on Windows',
    nic({ iface: 'Ethernet 11', ifaceName: 'Wintun Userspace Tunnel', ip4: '10.19.1.2' }),
    null,
  ],
] as const;

describe('VPN tunnel detection', () => {
  it.each(tunnels)('recognises %s', (_label, tunnel, vendor) => {
    const found = detectTunnel([LOOPBACK, WIN_WIFI, ETHERNET, tunnel]);
    expect(found).toMatchObject({ vendor, iface: tunnel.iface, up: true });
    expect(found?.addresses).toContain(tunnel.ip4);
  });

  it.each([
    ['a Bluetooth PAN link on Linux', nic({ iface: 'bnep0', ip4: '192.168.44.20' })],
    ['a libvirt guest tap', nic({ iface: 'vnet0', ip6: 'fe80::fc54:ff:fe3d:4e5f', virtual: true })],
    ['Apple Wireless Direct Link', nic({ iface: 'awdl0', ip6: 'fe80::a0d1:c2ff:fee3:f405' })],
    ['a Docker Desktop bridge on macOS', nic({ iface: 'bridge100', ip4: '192.168.64.1' })],
    [
      'the Teredo pseudo-interface',
      nic({ iface: 'Teredo Tunneling Pseudo-Interface', ip6: '2001:0:2851:782c:1c8d:2b6e:3f57:4dbe' }),
    ],
    [
      'the WSL adapter',
      nic({ iface: 'vEthernet (WSL (Hyper-V firewall))', ifaceName: 'Hyper-V Virtual Ethernet Adapter' }),
    ],
  ])('never takes %s for a VPN', (_label, other) => {
    expect(detectTunnel([LOOPBACK, WLAN, other], { platform: 'linux' })).toBeNull();
    expect(detectTunnel([LOOPBACK, WIN_WIFI, other], { platform: 'win32' })).toBeNull();
    expect(detectTunnel([LOOPBACK, WLAN, other], { platform: 'darwin' })).toBeNull();
  });

  it('finds no tunnel among loopback, physical, container and hypervisor adapters', () => {
    const others = [
      LOOPBACK,
      ETHERNET,
      WLAN,
      WIN_WIFI,
      DOCKER,
      BRIDGE,
      VETH,
      VIRBR,
      WIN_HYPERV,
      WIN_VBOX,
      WIN_VMWARE,
    ];
    expect(detectTunnel([...others, WIN_BLUETOOTH, WIN_WIFI_DIRECT])).toBeNull();
  });

  it('does not take the utun interfaces macOS keeps for itself (link-local only) for a tunnel', () => {
    expect(detectTunnel([ETHERNET, MAC_UTUN_SYSTEM], { platform: 'darwin' })).toBeNull();
  });

  it('reports an installed but disconnected client as a tunnel that is down', () => {
    const pangp = nic({
      iface: 'Ethernet 5',
      ifaceName: 'PANGP Virtual Ethernet Adapter Secure',
      operstate: 'down',
    });
    expect(detectTunnel([WIN_WIFI, pangp])).toEqual({
      vendor: 'Palo Alto GlobalProtect',
      iface: 'Ethernet 5',
      up: false,
      addresses: [],
      overlay: false,
    });
  });

  it('treats a tunnel that is up but has no address yet as down', () => {
    expect(detectTunnel([nic({ iface: 'wg0', operstate: 'unknown' })])?.up).toBe(false);
  });

  it('prefers the up tunnel of a known vendor over system utun and down adapters', () => {
    const down = nic({ iface: 'Ethernet 3', ifaceName: 'TAP-Windows Adapter V9', operstate: 'down' });
    const utunUp = nic({ iface: 'utun5', ip4: '10.1.1.1', operstate: 'unknown' });
    const wg = nic({ iface: 'wg0', ip4: '10.8.0.2', operstate: 'unknown' });
    expect(detectTunnel([down, MAC_UTUN_SYSTEM, utunUp, wg])?.vendor).toBe('WireGuard');
    expect(detectTunnel([down, MAC_UTUN_SYSTEM, utunUp])?.iface).toBe('utun5');
  });
});

describe('VPN tunnel detection with what the OS tools add', () => {
  const ZERO = '00:00:00:00:00:00';

  it('merges the two entries Windows shows for a WireGuard tunnel into one up tunnel', () => {
    const address = nic({ iface: 'Stadt', ip4: '10.8.0.3', mac: ZERO, operstate: 'down', type: '' });
    const adapter = nic({ iface: 'Stadt', ifaceName: 'WireGuard Tunnel', operstate: 'up' });
    expect(detectTunnel([WIN_WIFI, address, adapter], { platform: 'win32' })).toMatchObject({
      vendor: 'WireGuard',
      iface: 'Stadt',
      up: true,
      addresses: ['10.8.0.3'],
    });
  });

  it('recognises a Windows RAS link by its missing MAC and names its protocol and server', () => {
    const ras = nic({ iface: 'Stadt SSTP', ip4: '10.10.3.4', mac: ZERO, operstate: 'down', type: '' });
    const rasConnections = [
      { name: 'Stadt SSTP', serverAddress: 'sstp.stadt.example', tunnelType: 'Sstp', connected: true },
    ];
    expect(detectTunnel([WIN_WIFI, ras], { platform: 'win32' })?.vendor).toBe('Windows VPN');
    expect(detectTunnel([WIN_WIFI, ras], { platform: 'win32', rasConnections })).toMatchObject({
      vendor: 'Windows VPN (SSTP)',
      gateway: 'sstp.stadt.example',
      up: true,
    });
  });

  it('does not take a Linux tun device without a MAC for a Windows RAS link', () => {
    const tun = nic({ iface: 'mytunnel', ip4: '10.1.2.3', mac: ZERO });
    expect(detectTunnel([WLAN, tun], { platform: 'linux' })).toBeNull();
  });

  it('recognises WireGuard and IPsec on Linux by link kind whatever the interface is called', () => {
    const stadt = nic({ iface: 'Stadt', ip4: '10.8.0.5', operstate: 'unknown' });
    const linkKinds = new Map([['Stadt', 'wireguard']]);
    expect(detectTunnel([WLAN, stadt], { platform: 'linux', linkKinds })?.vendor).toBe('WireGuard');
    const vpn0 = nic({ iface: 'vpn0', ip4: '10.9.9.9', operstate: 'unknown' });
    expect(detectTunnel([WLAN, vpn0], { linkKinds: new Map([['vpn0', 'tun']]) })).toMatchObject({
      vendor: null,
      up: true,
    });
    expect(detectTunnel([WLAN, vpn0], { linkKinds: new Map([['vpn0', 'xfrm']]) })?.vendor).toBe(
      'IPsec/IKEv2',
    );
  });

  it('sees a policy-based strongSwan tunnel from its routes in table 220', () => {
    const policyRoutes = [{ destination: '10.20.0.0/16', dev: 'wlan0', src: '10.10.0.5' }];
    expect(detectTunnel([WLAN], { platform: 'linux', policyRoutes })).toEqual({
      vendor: 'IPsec/IKEv2',
      iface: 'wlan0',
      up: true,
      addresses: ['10.10.0.5'],
      overlay: false,
      policyTable: '220',
    });
  });

  it('names a lone macOS utun after the one connected VPN service', () => {
    const utun = nic({ iface: 'utun5', ip4: '10.12.0.9', operstate: 'unknown' });
    const macServices = [
      { connected: true, type: 'VPN (com.paloaltonetworks.GlobalProtect.client)', name: 'GlobalProtect' },
      { connected: false, type: 'VPN (com.wireguard.macos)', name: 'Stadt' },
    ];
    expect(detectTunnel([WLAN, MAC_UTUN_SYSTEM, utun], { platform: 'darwin', macServices })?.vendor).toBe(
      'Palo Alto GlobalProtect',
    );
    const two = [...macServices, { connected: true, type: 'VPN (com.cisco.secureclient)', name: 'Cisco' }];
    // two clients connected: which utun is whose cannot be told, so none is guessed
    expect(detectTunnel([WLAN, utun], { platform: 'darwin', macServices: two })?.vendor).toBeNull();
  });

  it('reports the city tunnel, even a disconnected one, before an overlay network that is up', () => {
    const tailscale = nic({ iface: 'tailscale0', ip4: '100.64.0.7', operstate: 'unknown' });
    const pangp = nic({
      iface: 'Ethernet 5',
      ifaceName: 'PANGP Virtual Ethernet Adapter',
      operstate: 'down',
    });
    expect(detectTunnel([WIN_WIFI, tailscale, pangp])).toMatchObject({ vendor: 'Palo Alto GlobalProtect' });
    expect(detectTunnel([WIN_WIFI, tailscale])).toMatchObject({
      vendor: 'Tailscale',
      overlay: true,
      up: true,
    });
  });

  it('recognises Tailscale on macOS by its address even without a service list', () => {
    const utun = nic({ iface: 'utun6', ip4: '100.101.1.2', ip6: 'fd7a:115c:a1e0::1', operstate: 'unknown' });
    expect(detectTunnel([WLAN, utun], { platform: 'darwin' })).toMatchObject({ vendor: 'Tailscale' });
  });

  it('uses the interface the config names, with the client the config names', () => {
    const tun0 = nic({ iface: 'tun0', ip4: '10.17.0.5', operstate: 'unknown' });
    const wg = nic({ iface: 'wg0', ip4: '10.8.0.2', operstate: 'unknown' });
    const pinned = { iface: 'tun0', vendor: 'Ivanti Secure Access' };
    expect(detectTunnel([WLAN, wg, tun0], { pinned })).toMatchObject({
      vendor: 'Ivanti Secure Access',
      iface: 'tun0',
    });
    expect(detectTunnel([WLAN, wg, tun0], { pinned: { iface: 'tun0' } })?.vendor).toBe('OpenVPN');
  });

  it('prefers the tunnel that carries the default route among two up tunnels', () => {
    const a = nic({ iface: 'tun0', ip4: '10.9.0.6', operstate: 'unknown' });
    const b = nic({ iface: 'wg0', ip4: '10.8.0.2', operstate: 'unknown', default: true });
    expect(detectTunnel([WLAN, a, b])?.iface).toBe('wg0');
  });
});
