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
    'Cisco Secure Client on Linux',
    nic({ iface: 'cscotun0', ip4: '10.11.0.8', operstate: 'unknown' }),
    'Cisco Secure Client',
  ],
  [
    'GlobalProtect on Windows',
    nic({ iface: 'Ethernet 5', ifaceName: 'PANGP Virtual Ethernet Adapter Secure', ip4: '10.12.0.4' }),
    'GlobalProtect',
  ],
  ['GlobalProtect on Linux', nic({ iface: 'gpd0', ip4: '10.12.0.5', operstate: 'unknown' }), 'GlobalProtect'],
  [
    'FortiClient on Windows',
    nic({ iface: 'Ethernet 6', ifaceName: 'Fortinet SSL VPN Virtual Ethernet Adapter', ip4: '10.13.0.2' }),
    'FortiClient',
  ],
  ['FortiClient on Linux', nic({ iface: 'fortissl', ip4: '10.13.0.3', operstate: 'unknown' }), 'FortiClient'],
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
    'Sophos',
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
  ['a generic utun on macOS', nic({ iface: 'utun4', ip4: '10.18.0.2', operstate: 'unknown' }), null],
  ['a generic ppp link', nic({ iface: 'ppp0', ip4: '10.19.0.2' }), null],
] as const;

describe('VPN tunnel detection', () => {
  it.each(tunnels)('recognises %s', (_label, tunnel, vendor) => {
    const found = detectTunnel([LOOPBACK, WIN_WIFI, ETHERNET, tunnel]);
    expect(found).toMatchObject({ vendor, iface: tunnel.iface, up: true });
    expect(found?.addresses).toContain(tunnel.ip4);
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

  it('does not count macOS system utun interfaces that carry only link-local addresses as up', () => {
    expect(detectTunnel([ETHERNET, MAC_UTUN_SYSTEM])).toMatchObject({ up: false, addresses: [] });
  });

  it('reports an installed but disconnected client as a tunnel that is down', () => {
    const pangp = nic({
      iface: 'Ethernet 5',
      ifaceName: 'PANGP Virtual Ethernet Adapter Secure',
      operstate: 'down',
    });
    expect(detectTunnel([WIN_WIFI, pangp])).toEqual({
      vendor: 'GlobalProtect',
      iface: 'Ethernet 5',
      up: false,
      addresses: [],
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
