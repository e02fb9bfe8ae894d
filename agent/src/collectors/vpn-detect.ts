import type { NetworkInterface } from '../si.js';

/** One rule: a vendor and the interface names (`iface`, e.g. `wg0`) or adapter names (`ifaceName`, Windows) it uses. */
interface VendorRule {
  vendor: string | null;
  iface?: RegExp;
  name?: RegExp;
}

// Specific vendors first: their adapters would otherwise fall under a generic rule (e.g. tun on Linux).
const RULES: VendorRule[] = [
  { vendor: 'WireGuard', iface: /^wg/i, name: /wireguard/i },
  { vendor: 'Cisco Secure Client', iface: /^cscotun/i, name: /cisco (anyconnect|secure client)/i },
  { vendor: 'GlobalProtect', iface: /^gpd\d/i, name: /pangp virtual ethernet adapter|globalprotect/i },
  { vendor: 'FortiClient', iface: /^fortissl/i, name: /fortinet|forticlient|fortissl/i },
  { vendor: 'NCP Secure Client', iface: /^ncp/i, name: /\bncp\b/i },
  { vendor: 'Check Point', name: /check ?point/i },
  { vendor: 'Sophos', iface: /^sophos/i, name: /sophos/i },
  { vendor: 'Ivanti Secure Access', name: /juniper networks virtual adapter|pulse secure|ivanti/i },
  {
    vendor: 'OpenVPN',
    iface: /^(tun|tap)\d+$|^ovpn-dco/i,
    name: /tap-windows|openvpn|ovpn-dco/i,
  },
  { vendor: 'IPsec/IKEv2', iface: /^(ipsec|xfrm)/i, name: /wan miniport \(ikev2\)/i },
  // macOS creates utun interfaces for every VPN client (and for system services, which carry only link-local addresses)
  { vendor: null, iface: /^utun\d+$/i },
  { vendor: null, iface: /^ppp\d+$/i },
];

// Virtual adapters that are not VPN tunnels: containers, hypervisors, Bluetooth PAN, Wi-Fi Direct.
const EXCLUDED_IFACE = /^(lo\d*|docker\d*|br-|veth|virbr|vboxnet|vmnet|cni|flannel|cali)/i;
const EXCLUDED_NAME = /vethernet|virtualbox|vmware|bluetooth|wi-fi direct|loopback/i;

/** A network interface recognised as a VPN tunnel. */
export interface TunnelInterface {
  vendor: string | null;
  iface: string;
  up: boolean;
  addresses: string[];
}

/** True for addresses that say the tunnel is configured (not link-local, not empty). */
function routableAddress(a: string): boolean {
  const s = a.trim().toLowerCase();
  return s !== '' && !s.startsWith('169.254.') && !s.startsWith('fe80');
}

/** Whether an interface is excluded from tunnel detection (loopback, containers, hypervisors, ...). */
export function isExcluded(n: NetworkInterface): boolean {
  return n.internal === true || EXCLUDED_IFACE.test(n.iface) || EXCLUDED_NAME.test(n.ifaceName ?? '');
}

/** Classifies one interface; null when it is not a VPN tunnel. */
export function classifyTunnel(n: NetworkInterface): TunnelInterface | null {
  if (isExcluded(n)) return null;
  const name = n.ifaceName ?? '';
  const rule = RULES.find((r) => r.iface?.test(n.iface) || r.name?.test(name));
  if (!rule) return null;
  const addresses = [n.ip4, n.ip6].filter((a): a is string => typeof a === 'string' && routableAddress(a));
  // tunnels on Linux and macOS report operstate "unknown" while they carry traffic
  const state = (n.operstate ?? '').toLowerCase();
  const up = (state === 'up' || state === 'unknown') && addresses.length > 0;
  return { vendor: rule.vendor, iface: n.iface, up, addresses };
}

/**
 * Picks the tunnel that describes this machine: an up tunnel before a down one, a known vendor before a
 * generic utun/ppp. Null when no tunnel interface exists at all.
 */
export function detectTunnel(interfaces: readonly NetworkInterface[]): TunnelInterface | null {
  const tunnels = interfaces.map(classifyTunnel).filter((t): t is TunnelInterface => t !== null);
  const rank = (t: TunnelInterface) => (t.up ? 0 : 2) + (t.vendor === null ? 1 : 0);
  tunnels.sort((a, b) => rank(a) - rank(b));
  return tunnels[0] ?? null;
}
