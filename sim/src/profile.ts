import { type LinkType, type OsFamily, type SecurityKey, VPN_VENDOR } from '@lagebild/shared';
import { createRng, hash32 } from './prng.js';

/** How a notebook's connection behaves over time. */
export type Connectivity = 'normal' | 'flappy' | 'poor' | 'away';

/** The fixed facts of one simulated notebook, derived only from (seed, index). */
export interface DeviceProfile {
  index: number;
  hardwareId: string;
  hostname: string;
  serial: string;
  manufacturer: string;
  model: string;
  os: OsFamily;
  osVersion: string;
  osBuild: string;
  memTotalMb: number;
  gateway: string;
  vpnVendor: string;
  vpnInterface: string;
  vpnAddress: string;
  connectivity: Connectivity;
  /** round trip to the VPN gateway when the tunnel is healthy */
  baseRttMs: number;
  link: Exclude<LinkType, 'none' | 'other'>;
  securityKey: SecurityKey | null;
  /** where the notebook belongs, as its installation settings say */
  site: string;
  orgUnit: string;
}

// where a city's notebooks are registered; weights roughly follow staff numbers
const SITES: readonly (readonly [string, number])[] = [
  ['Rathaus', 30],
  ['Technisches Rathaus', 20],
  ['Bürgeramt Nord', 10],
  ['Bürgeramt Süd', 10],
  ['Stadthaus am Markt', 12],
  ['Baubetriebshof', 6],
  ['Feuerwache 1', 4],
  ['Homeoffice', 8],
];

const ORG_UNITS: readonly (readonly [string, number])[] = [
  ['10 Hauptamt', 12],
  ['20 Kämmerei', 10],
  ['32 Ordnungsamt', 12],
  ['33 Bürgerservice', 16],
  ['37 Feuerwehr', 5],
  ['50 Sozialamt', 14],
  ['51 Jugendamt', 12],
  ['61 Stadtplanung', 8],
  ['63 Bauordnung', 11],
];

const VPN_VENDORS: readonly (readonly [{ vendor: string; iface: string }, number])[] = [
  [{ vendor: VPN_VENDOR.wireguard, iface: 'wg-stadt' }, 35],
  [
    { vendor: VPN_VENDOR.cisco, iface: 'Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter' },
    30,
  ],
  [{ vendor: VPN_VENDOR.globalprotect, iface: 'PANGP Virtual Ethernet Adapter' }, 20],
  [{ vendor: VPN_VENDOR.ipsec, iface: 'Stadt Always On VPN' }, 15],
] as const;

const HARDWARE: readonly (readonly [{ manufacturer: string; model: string; prefix: string }, number])[] = [
  [{ manufacturer: 'LENOVO', model: 'ThinkPad T14 Gen 4', prefix: 'PF' }, 50],
  [{ manufacturer: 'HP', model: 'EliteBook 840 G10', prefix: 'CN' }, 30],
  [{ manufacturer: 'Dell Inc.', model: 'Latitude 5440', prefix: 'DL' }, 20],
] as const;

const YUBICO = 0x1050;
const YUBIKEYS: readonly SecurityKey[] = [
  {
    vendor: 'Yubico',
    product: 'YubiKey 5 NFC',
    vendorId: YUBICO,
    productId: 0x0407,
    interfaces: ['OTP', 'FIDO', 'CCID'],
  },
  {
    vendor: 'Yubico',
    product: 'YubiKey 5C',
    vendorId: YUBICO,
    productId: 0x0407,
    interfaces: ['OTP', 'FIDO', 'CCID'],
  },
];

// serial alphabet without I and O, as vendors avoid them
const SERIAL_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
const SERIAL_SPACE = SERIAL_CHARS.length ** 6;

/** Eight characters: a vendor prefix and six characters unique per index (an affine bijection). */
function serialFor(seed: number, index: number, prefix: string): string {
  // 1_000_003 is prime and does not divide 34^6, so index -> serial is one-to-one
  let n = (index * 1_000_003 + hash32('serial', seed)) % SERIAL_SPACE;
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = SERIAL_CHARS[n % SERIAL_CHARS.length] + out;
    n = Math.floor(n / SERIAL_CHARS.length);
  }
  return prefix + out;
}

/** Builds the profile of device `index` (0-based) of a fleet with this seed. */
export function deviceProfile(seed: number, index: number, gateways: readonly string[]): DeviceProfile {
  const rng = createRng(seed, index, 'profile');
  const groups = createRng(seed, index, 'groups');
  const hw = rng.weighted(HARDWARE);
  const vpn = rng.weighted(VPN_VENDORS);
  const gatewayIndex = rng.int(0, gateways.length - 1);
  const connectivity = rng.weighted<Connectivity>([
    ['normal', 89],
    ['flappy', 5],
    ['poor', 4],
    ['away', 2],
  ]);
  const link = rng.weighted<DeviceProfile['link']>([
    ['wifi', 68],
    ['ethernet', 22],
    ['mobile', 10],
  ]);
  const linux = rng.chance(0.04); // a few IT staff notebooks
  const baseRttMs =
    (link === 'mobile' ? rng.logNormal(45, 0.3) : rng.logNormal(18, 0.35)) *
    (connectivity === 'poor' ? 3 : 1);
  return {
    index,
    hardwareId: `sim-${seed}-${index}`,
    hostname: `NB-STADT-${String(index + 1).padStart(4, '0')}`,
    serial: serialFor(seed, index, hw.prefix),
    manufacturer: hw.manufacturer,
    model: hw.model,
    os: linux ? 'linux' : 'windows',
    osVersion: linux ? 'Ubuntu 24.04.1 LTS' : 'Windows 11 Enterprise 23H2',
    osBuild: linux ? '6.8.0-49-generic' : rng.pick(['22631.4460', '22631.4541', '22631.4602']),
    memTotalMb: rng.weighted([
      [16_384, 70],
      [32_768, 20],
      [8_192, 10],
    ]),
    gateway: gateways[gatewayIndex] ?? 'vpn-gw.stadt.internal',
    vpnVendor: linux ? 'WireGuard' : vpn.vendor,
    vpnInterface: linux ? 'wg-stadt' : vpn.iface,
    vpnAddress: `10.${100 + gatewayIndex}.${Math.floor(index / 250) % 256}.${(index % 250) + 2}`,
    connectivity,
    baseRttMs: Math.round(baseRttMs * 10) / 10,
    link,
    securityKey: rng.chance(0.85) ? rng.pick(YUBIKEYS) : null,
    // drawn from their own stream so that adding them left every other profile value unchanged
    site: groups.weighted(SITES),
    orgUnit: groups.weighted(ORG_UNITS),
  };
}
