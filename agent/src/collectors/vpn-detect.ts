import type { NetworkInterface } from '../si.js';
import type { MacVpnService, PolicyRoute, RasConnection } from './vpn-os-parse.js';
import {
  EXCLUDED_DESCRIPTION,
  EXCLUDED_IFACE,
  EXCLUDED_LINK_KINDS,
  GENERIC_TUNNEL_DESCRIPTION,
  GENERIC_TUNNEL_IFACE,
  ruleFor,
  VENDOR,
  VENDOR_RULES,
  vendorOfText,
} from './vpn-vendors.js';

/** What the OS tools added to the interface list (all optional: detection works on names alone). */
export interface DetectContext {
  platform?: NodeJS.Platform;
  /** Linux: link kind per interface (`ip -details -json link show`) */
  linkKinds?: ReadonlyMap<string, string>;
  /** Linux: strongSwan's policy routes (table 220) */
  policyRoutes?: readonly PolicyRoute[];
  /** macOS: VPN services (`scutil --nc list`) */
  macServices?: readonly MacVpnService[];
  /** Windows: RAS connections (`Get-VpnConnection`) */
  rasConnections?: readonly RasConnection[];
  /** the config names the tunnel interface (and its client) where the name cannot tell, e.g. Ivanti's tun0 on Linux */
  pinned?: { iface: string; vendor?: string };
}

/** A network interface (or IPsec policy) recognised as a VPN tunnel. */
export interface TunnelInterface {
  /** null: a tunnel of an unknown client (macOS utun, PPP) */
  vendor: string | null;
  iface: string;
  up: boolean;
  addresses: string[];
  /** Tailscale, ZeroTier: VPNs, but not the city's tunnel */
  overlay: boolean;
  /** policy-based IPsec (strongSwan without an interface): routes through it use this routing table */
  policyTable?: string;
  /** the VPN server, when the OS tells it on the way (Windows RAS) */
  gateway?: string;
}

export const STRONGSWAN_TABLE = '220';
const ZERO_MAC = /^(00[:-]){5}00$/;
// every Tailscale node has an address in Tailscale's own ULA prefix
const TAILSCALE_V6 = /^fd7a:115c:a1e0:/i;

/** True for addresses that say the tunnel is configured (not link-local, not empty). */
function routableAddress(a: string): boolean {
  const s = a.trim().toLowerCase();
  return s !== '' && !s.startsWith('169.254.') && !s.startsWith('fe80');
}

/**
 * Windows lists some tunnels twice: the address under the connection name and the adapter description
 * under the same name without an address (systeminformation matches adapters by MAC, and wireguard-nt
 * or RAS links have none). One entry per name, with everything known about it.
 */
export function mergeByName(interfaces: readonly NetworkInterface[]): NetworkInterface[] {
  const byName = new Map<string, NetworkInterface>();
  for (const n of interfaces) {
    const seen = byName.get(n.iface);
    if (!seen) {
      byName.set(n.iface, { ...n });
      continue;
    }
    const described = (x: NetworkInterface) => (x.ifaceName && x.ifaceName !== x.iface ? x.ifaceName : '');
    seen.ifaceName = described(seen) || described(n) || seen.ifaceName;
    if (!routableAddress(seen.ip4 ?? '') && routableAddress(n.ip4 ?? '')) seen.ip4 = n.ip4;
    if (!routableAddress(seen.ip6 ?? '') && routableAddress(n.ip6 ?? '')) seen.ip6 = n.ip6;
    seen.mac = seen.mac || n.mac;
    seen.type = seen.type || n.type;
    if (n.operstate === 'up') seen.operstate = 'up';
    seen.internal = seen.internal || n.internal;
    seen.default = seen.default || n.default;
  }
  return [...byName.values()];
}

/** Whether an interface is never a tunnel (loopback, containers, hypervisors, Bluetooth, Wi-Fi Direct, ...). */
export function isExcluded(n: NetworkInterface, linkKind?: string): boolean {
  return (
    n.internal === true ||
    EXCLUDED_IFACE.test(n.iface) ||
    EXCLUDED_DESCRIPTION.test(n.ifaceName ?? '') ||
    EXCLUDED_DESCRIPTION.test(n.iface) ||
    (linkKind !== undefined && EXCLUDED_LINK_KINDS.includes(linkKind))
  );
}

function rasVendor(ras: RasConnection | undefined): string {
  switch (ras?.tunnelType?.toLowerCase()) {
    case 'ikev2':
      return VENDOR.ipsec;
    case 'sstp':
      return VENDOR.windowsSstp;
    case 'l2tp':
      return VENDOR.windowsL2tp;
    case 'pptp':
      return VENDOR.windowsPptp;
    default:
      return VENDOR.windowsRas;
  }
}

/** Classifies one interface; null when it is not a VPN tunnel. */
export function classifyTunnel(n: NetworkInterface, ctx: DetectContext = {}): TunnelInterface | null {
  const linkKind = ctx.linkKinds?.get(n.iface);
  const pinned = ctx.pinned?.iface === n.iface ? ctx.pinned : undefined;
  if (!pinned && isExcluded(n, linkKind)) return null;
  const description = n.ifaceName && n.ifaceName !== n.iface ? n.ifaceName : '';
  const addresses = [n.ip4, n.ip6].filter((a): a is string => typeof a === 'string' && routableAddress(a));
  // Node (libuv) lists addresses only of interfaces that are up and running; macOS ifconfig also shows
  // configured but inactive ones
  const up = addresses.length > 0 && !(ctx.platform === 'darwin' && n.operstate === 'down');
  const tunnel = (vendor: string | null, overlay = false, extra: Partial<TunnelInterface> = {}) => ({
    vendor,
    iface: n.iface,
    up,
    addresses,
    overlay,
    ...extra,
  });

  const match = ruleFor(n.iface, description, linkKind);
  if (pinned) return tunnel(pinned.vendor ?? match?.rule.vendor ?? null);
  if (addresses.some((a) => TAILSCALE_V6.test(a))) return tunnel(VENDOR.tailscale, true);
  if (match) return tunnel(match.rule.vendor, match.rule.overlay === true);
  const generic =
    GENERIC_TUNNEL_IFACE.test(n.iface) || GENERIC_TUNNEL_DESCRIPTION.test(description) || linkKind === 'tun';
  if (generic) {
    // a tunnel of some client; one without an address is macOS's own (utun0..3) or an idle PPP device
    return up ? tunnel(null) : null;
  }
  // Windows RAS links (built-in client, Always-On VPN) have no MAC and no adapter of their own
  if (ctx.platform === 'win32' && (n.type === 'ppp' || ZERO_MAC.test(n.mac ?? '')) && up) {
    const ras = ctx.rasConnections?.find((c) => c.name.toLowerCase() === n.iface.toLowerCase());
    return tunnel(rasVendor(ras), false, ras?.serverAddress ? { gateway: ras.serverAddress } : {});
  }
  return null;
}

/** strongSwan's policy-based tunnel: routes in table 220, addresses are the virtual IPs. */
function policyTunnel(routes: readonly PolicyRoute[]): TunnelInterface | null {
  if (routes.length === 0) return null;
  const addresses = [...new Set(routes.map((r) => r.src).filter((s): s is string => !!s))];
  return {
    vendor: VENDOR.ipsec,
    iface: routes.find((r) => r.dev)?.dev ?? 'xfrm',
    up: true,
    addresses,
    overlay: false,
    policyTable: STRONGSWAN_TABLE,
  };
}

/** Names the client of a lone macOS utun from the one connected VPN service that is not an overlay. */
function nameMacTunnel(tunnels: TunnelInterface[], services: readonly MacVpnService[]): void {
  const generic = tunnels.filter((t) => t.vendor === null && t.up);
  const overlays = new Set(tunnels.filter((t) => t.overlay).map((t) => t.vendor));
  const connected = services
    .filter((s) => s.connected)
    .map((s) => vendorOfText(s.type))
    .filter((r) => r !== undefined && !(r.overlay && overlays.has(r.vendor)));
  if (generic.length !== 1 || connected.length !== 1) return;
  const rule = connected[0]!;
  generic[0]!.vendor = rule.vendor;
  generic[0]!.overlay = rule.overlay === true;
}

function rank(t: TunnelInterface): number {
  if (t.overlay) return t.up ? 3 : 4;
  if (!t.up) return 2;
  return t.vendor === null ? 1 : 0;
}

/** Every tunnel on this machine, best first: the city's up tunnel, then unknown ones, down ones, overlays. */
export function detectTunnels(
  interfaces: readonly NetworkInterface[],
  ctx: DetectContext = {},
): TunnelInterface[] {
  const merged = mergeByName(interfaces);
  const tunnels = merged.map((n) => classifyTunnel(n, ctx)).filter((t): t is TunnelInterface => t !== null);
  const policy = policyTunnel(ctx.policyRoutes ?? []);
  if (policy && !tunnels.some((t) => t.vendor === VENDOR.ipsec && t.up)) tunnels.push(policy);
  if (ctx.macServices) nameMacTunnel(tunnels, ctx.macServices);
  const isDefault = (t: TunnelInterface) => merged.find((n) => n.iface === t.iface)?.default === true;
  // the configured interface first; stable sort: among equals, the one carrying the default route first
  const order = (t: TunnelInterface) => (t.iface === ctx.pinned?.iface && !t.policyTable ? -1 : rank(t));
  return tunnels.sort((a, b) => order(a) - order(b) || Number(isDefault(b)) - Number(isDefault(a)));
}

/** The tunnel that describes this machine; null when there is none at all. */
export function detectTunnel(
  interfaces: readonly NetworkInterface[],
  ctx: DetectContext = {},
): TunnelInterface | null {
  return detectTunnels(interfaces, ctx)[0] ?? null;
}

/** Vendors this agent tells apart, for documentation and tests. */
export const KNOWN_VENDORS: readonly string[] = [...new Set(VENDOR_RULES.map((r) => r.vendor))];
