/**
 * Which VPN client owns a network interface, told from its name (Linux/macOS interface names, Windows
 * connection names), its Windows adapter description, its Linux link kind, or the macOS VPN service
 * type. docs/VPN-DETECTION.md shows the same table for people.
 */
import { VPN_VENDOR } from '@lagebild/shared';

/** One client: how its tunnel interface looks on each OS. */
export interface VendorRule {
  vendor: string;
  /** interface or connection names, e.g. `wg0`, `cscotun0`, `tunsnx` */
  iface?: RegExp;
  /** Windows adapter descriptions and connection names, macOS VPN service types (`scutil --nc list`) */
  description?: RegExp;
  /** Linux link kinds from `ip -details link` */
  linkKinds?: readonly string[];
  /** a VPN, but an overlay network rather than the city's tunnel: reported only when nothing else is up */
  overlay?: boolean;
}

/** Reported vendor names: one vocabulary for agent, simulator and dashboard. */
export const VENDOR = VPN_VENDOR;

// Order matters: a vendor that ships a generic driver (Sophos on TAP-Windows) comes before the generic client.
export const VENDOR_RULES: readonly VendorRule[] = [
  {
    vendor: VENDOR.tailscale,
    iface: /^tailscale\d*$/i,
    description: /tailscale/i,
    overlay: true,
  },
  { vendor: VENDOR.zerotier, iface: /^zt[0-9a-z]{8}$|^feth\d+$/i, description: /zerotier/i, overlay: true },
  { vendor: VENDOR.wireguard, iface: /^wg/i, description: /wireguard/i, linkKinds: ['wireguard'] },
  { vendor: VENDOR.cisco, iface: /^cscotun\d*$/i, description: /cisco|anyconnect/i },
  {
    vendor: VENDOR.globalprotect,
    iface: /^gpd\d+$/i,
    description: /pangp|globalprotect|paloaltonetworks/i,
  },
  {
    vendor: VENDOR.forticlient,
    // FortiClient 7.2+ on Linux: fctvpn<hex>; older macOS builds: fortissl
    iface: /^fctvpn|^fortissl/i,
    description: /fortinet|forticlient|fortissl/i,
  },
  { vendor: VENDOR.ncp, iface: /^ncp/i, description: /\bncp\b|ncp-e\b/i },
  // Check Point SNX on Linux names its tunnel tunsnx
  { vendor: VENDOR.checkpoint, iface: /^tunsnx$/i, description: /check ?point/i },
  { vendor: VENDOR.sophos, iface: /^sophos/i, description: /sophos/i },
  {
    vendor: VENDOR.ivanti,
    description: /juniper networks virtual adapter|pulse ?secure|ivanti|net\.juniper/i,
  },
  {
    vendor: VENDOR.openvpn,
    iface: /^(tun|tap)\d+$|^ovpn/i,
    description: /tap-windows|openvpn|ovpn-dco|tunnelblick/i,
    linkKinds: ['ovpn-dco', 'ovpn'],
  },
  {
    vendor: VENDOR.ipsec,
    // macOS IKEv2 uses ipsecN; strongSwan route-based tunnels use xfrm or vti interfaces
    iface: /^(ipsec|xfrm|vti)\d*$/i,
    description: /wan miniport \(ikev2\)|ikev2|ipsec/i,
    linkKinds: ['xfrm', 'vti', 'vti6'],
  },
  { vendor: VENDOR.windowsSstp, description: /wan miniport \(sstp\)/i },
  { vendor: VENDOR.windowsL2tp, description: /wan miniport \(l2tp\)/i },
  { vendor: VENDOR.windowsPptp, description: /wan miniport \(pptp\)/i },
];

/** Tunnels every VPN client may use (macOS utun, PPP links, Wintun): a tunnel, vendor unknown from the name. */
export const GENERIC_TUNNEL_IFACE = /^(utun|ppp)\d+$/i;
export const GENERIC_TUNNEL_DESCRIPTION = /wintun|ppp adapter/i;

/**
 * Interfaces that are never a VPN tunnel: loopback, containers, hypervisors, Apple peer-to-peer links,
 * Bluetooth PAN, kernel fallback tunnels that carry nothing.
 */
export const EXCLUDED_IFACE =
  /^(lo\d*|docker\d*|br-|veth|virbr|vnet\d|vboxnet|vmnet|vmenet|bridge\d|cni|flannel|cali|cilium|lxcbr|lxdbr|podman|awdl|llw|anpi|ap\d|gif\d|stf\d|bnep|ifb|dummy|tunl0$|sit0$|ip6tnl0$|ip6gre0$|gre0$|gretap0$|erspan0$)/i;
export const EXCLUDED_DESCRIPTION =
  /hyper-v|vethernet|virtualbox|vmware|bluetooth|wi-?fi direct|loopback|teredo|isatap|6to4|ip-https|kernel debug|npcap/i;
/** Linux link kinds that are never a VPN tunnel. */
export const EXCLUDED_LINK_KINDS: readonly string[] = [
  'veth',
  'bridge',
  'vxlan',
  'macvlan',
  'macvtap',
  'ipvlan',
  'dummy',
  'bond',
  'ifb',
];

/** The rule a name, description or link kind belongs to; undefined when none matches. */
export function ruleFor(
  iface: string,
  description: string,
  linkKind?: string,
): { rule: VendorRule; by: 'iface' | 'description' | 'linkKind' } | undefined {
  for (const rule of VENDOR_RULES) {
    if (rule.iface?.test(iface)) return { rule, by: 'iface' };
    if (linkKind && rule.linkKinds?.includes(linkKind)) return { rule, by: 'linkKind' };
    if (description && rule.description?.test(description)) return { rule, by: 'description' };
    // Windows connection names often carry the product name ("Sophos SSL VPN Adapter")
    if (rule.description?.test(iface)) return { rule, by: 'iface' };
  }
  return undefined;
}

/** The vendor named by a macOS VPN service type or Windows description; undefined for unknown text. */
export function vendorOfText(text: string): VendorRule | undefined {
  return VENDOR_RULES.find((r) => r.description?.test(text));
}
