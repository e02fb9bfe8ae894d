import { isIP } from 'node:net';
import { userInfo } from 'node:os';
import type { RawRecording } from './replay-format.js';
import type { Snapshot } from './snapshot.js';

// Wi-Fi network names and access-point addresses tell where the notebook is: never kept.
const DROPPED_KEYS = /^b?ssid$/i;
// Identifiers the agent does not send (system UUID, OS installation id, domain name): blanked unless
// the snapshot sent the very value (the serial number is part of identity). Blank is what firmware
// leaves in unset fields, so the agent reads a blanked value as "not set", as before.
const IDENTIFIER_KEYS = new Set(['uuid', 'serial', 'serialNumber', 'fqdn']);
// Account names that say nothing about a person.
const GENERIC_USERS = new Set([
  'root',
  'admin',
  'administrator',
  'user',
  'system',
  'guest',
  'default',
  'nobody',
]);

/** Every string the snapshot itself reports: what the agent sends anyway may stay in the recording. */
function sentStrings(snapshot: Snapshot): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(snapshot);
  return out;
}

function isPrivateV4(a: string): boolean {
  const [x = 0, y = 0, z = 0] = a.split('.').map(Number);
  return (
    x === 10 ||
    x === 127 ||
    x === 0 ||
    (x === 172 && y >= 16 && y <= 31) ||
    (x === 192 && y === 168) ||
    (x === 169 && y === 254) ||
    (x === 100 && y >= 64 && y <= 127) ||
    // documentation ranges: already stand-ins
    (x === 192 && y === 0 && z === 2) ||
    (x === 198 && y === 51 && z === 100) ||
    (x === 203 && y === 0 && z === 113)
  );
}

/**
 * Stand-in for a local address that would tell where the notebook is or which device it is: public
 * IPv4/IPv6 addresses (home or hotspot uplink) and IPv6 link-local ones (built from the MAC address).
 * Private and unique-local addresses stay: they are the same in every home network.
 */
function standIn(address: string, n: number): string | null {
  const a = address.toLowerCase();
  if (isIP(a) === 4) return isPrivateV4(a) ? null : `203.0.113.${n}`;
  if (isIP(a) !== 6) return null;
  if (a === '::1' || a === '::' || /^f[cd]/.test(a) || a.startsWith('2001:db8:')) return null;
  if (/^fe[89ab]/.test(a)) return `fe80::${n.toString(16)}`;
  return `2001:db8::${n.toString(16)}`;
}

/** Keeps the manufacturer part (OUI: hypervisors, docks and USB adapters are told by it) and blanks the rest. */
function maskMac(mac: string): string {
  const m = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})(\2[0-9a-f]{2}){3}$/i.exec(mac);
  if (!m || /^[0:-]*$/.test(mac)) return mac;
  const sep = m[2]!;
  return [m[1], m[3], m[4], '00', '00', '00'].join(sep);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function currentUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** Replaces addresses, home-directory user names and the user's account name in one string. */
class StringScrubber {
  private readonly rules: [RegExp, string][] = [];

  constructor(addresses: Map<string, string>, user: string | undefined) {
    for (const [address, stand] of addresses) {
      // whole addresses only: 10.0.0.1 must not match inside 10.0.0.12
      this.rules.push([
        new RegExp(`(?<![0-9A-Fa-f:.])${escapeRe(address)}(?![0-9A-Fa-f:]|\\.\\d)`, 'gi'),
        stand,
      ]);
    }
    // home directories, and the per-user mount points of removable media (/media/<user>/USB-STICK)
    this.rules.push([
      /(\/home\/|\/Users\/|\/media\/|\/run\/media\/)(?!<user>)[^/\s"']+(?=[/\s"']|$)/g,
      '$1<user>',
    ]);
    this.rules.push([/(\\Users\\)(?!<user>)[^\\\s"']+/gi, '$1<user>']);
    if (user && user.length >= 3 && !GENERIC_USERS.has(user.toLowerCase())) {
      this.rules.push([new RegExp(`(?<![\\w.-])${escapeRe(user)}(?![\\w-])`, 'gi'), '<user>']);
    }
  }

  apply(s: string): string {
    return this.rules.reduce((out, [re, to]) => out.replace(re, to), s);
  }
}

/**
 * Removes from a recording what the agent would not send: Wi-Fi SSIDs and BSSIDs, identifiers it does
 * not report, user names in paths and command outputs, public and link-local addresses of the
 * notebook's own interfaces, and the device part of MAC addresses. Every string the snapshot reports
 * is kept as it is, so the replay gives the same observations. docs/REPLAY.md lists what is kept.
 */
export function scrubRecording(
  rec: RawRecording,
  snapshot: Snapshot,
  user: string | undefined = currentUser(),
): RawRecording {
  const sent = sentStrings(snapshot);
  const addresses = new Map<string, string>();
  const nics = Object.entries(rec.si).filter(([key]) => key.startsWith('networkInterfaces'));
  for (const [, list] of nics) {
    if (!Array.isArray(list)) continue;
    for (const nic of list as Record<string, unknown>[]) {
      for (const field of ['ip4', 'ip6']) {
        const a = nic[field];
        if (typeof a !== 'string' || sent.has(a) || addresses.has(a)) continue;
        const stand = standIn(a, addresses.size + 1);
        if (stand) addresses.set(a, stand);
      }
    }
  }
  const strings = new StringScrubber(addresses, user);

  const scrub = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') {
      if (sent.has(v)) return v;
      if (key === 'mac') return maskMac(v);
      if (key !== undefined && IDENTIFIER_KEYS.has(key)) return '';
      return strings.apply(v);
    }
    if (Array.isArray(v)) return v.map((x) => scrub(x));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (!DROPPED_KEYS.test(k)) out[k] = scrub(x, k);
      return out;
    }
    return v;
  };

  const out: RawRecording = { ...rec, si: scrub(rec.si) as RawRecording['si'] };
  if (rec.hid !== undefined) out.hid = scrub(rec.hid) as RawRecording['hid'];
  // command keys stay: they are built from configured Fachverfahren hosts, and replay looks them up
  if (rec.commands) out.commands = scrub(rec.commands) as RawRecording['commands'];
  if (rec.connects) out.connects = scrub(rec.connects) as RawRecording['connects'];
  return out;
}
