import { readFileSync } from 'node:fs';
import {
  type ConfigFrame,
  decodeServerFrame,
  IntervalOverrides,
  type Intervals,
  type ProbeConfig,
  probeListProblems,
  schemaProblems,
} from '@lagebild/shared';
import { messageOf } from './collector.js';
import { parseHostPort } from './collectors/tcp-connect.js';
import type { SpoolLimits } from './spool.js';
import { checkSpoolConfig } from './spool-config.js';
import { parseFingerprints, type ServerTlsConfig } from './tls-trust.js';

/** The agent's own config file (JSON); probes and intervals apply until the server pushes its config. */
export interface LocalConfig {
  server?: string;
  enrollSecret?: string;
  stateDir?: string;
  probes?: ProbeConfig[];
  vpn?: VpnConfig;
  intervals?: Partial<Intervals>;
  /** HTTPS probes: `caFile` is a PEM file of CAs trusted on top of the bundled roots (a city-internal PKI) */
  tls?: { caFile?: string };
  /** trust for the Lagebild server itself (see docs/OPERATIONS.md): CA file and/or pinned SHA-256 fingerprints */
  serverTls?: ServerTlsConfig;
  /** development only: allow plain http:// / ws:// to a host that is not loopback */
  allowInsecure?: boolean;
  /** bounds of the offline spool: size cap in bytes and age cap in days (defaults 64 MiB, 8 days) */
  spool?: SpoolLimits;
  /** site (building, branch office) of this notebook, set at installation; the server groups statistics by it */
  site?: string;
  /** organisational unit (Amt, Fachbereich), set at installation; groups statistics like `site` */
  orgUnit?: string;
}

/** `vpn` in the config file: the check address behind the tunnel, and what the interfaces cannot tell. */
export interface VpnConfig {
  /** "host:port" inside the city network; an up tunnel that cannot reach it is degraded */
  checkTarget?: string;
  checkTimeoutMs?: number;
  /** the VPN gateway to report (host name), when the client does not tell */
  gateway?: string;
  /** the tunnel interface, when its name does not tell (e.g. `tun0` of Ivanti on Linux) */
  interface?: string;
  /** the client's name for that interface, or for a tunnel of unknown client (macOS utun) */
  vendor?: string;
}

const VPN_KEYS = ['checkTarget', 'checkTimeoutMs', 'gateway', 'interface', 'vendor'];
const VPN_TEXT = { gateway: 255, interface: 128, vendor: 64 } as const;

export const DEFAULT_INTERVALS: Intervals = { healthSec: 60, vpnSec: 2, securityKeySec: 2 };

const KEYS = [
  'server',
  'enrollSecret',
  'stateDir',
  'probes',
  'vpn',
  'intervals',
  'tls',
  'serverTls',
  'allowInsecure',
  'spool',
  'site',
  'orgUnit',
];

/** Parses and checks a config file's text; errors name the file and the offending field. */
export function parseLocalConfig(text: string, source = 'config'): LocalConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${messageOf(e)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${source}: must be a JSON object`);
  const c = raw as Record<string, unknown>;
  const unknown = Object.keys(c).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0)
    throw new Error(`${source}: unknown field(s) ${unknown.join(', ')}; allowed: ${KEYS.join(', ')}`);
  for (const k of ['server', 'enrollSecret', 'stateDir'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'string') throw new Error(`${source}: "${k}" must be a string`);
  }
  const config = c as LocalConfig;
  const problems: string[] = [];
  if (config.probes !== undefined) problems.push(...probeListProblems(config.probes, 'probes'));
  if (config.intervals !== undefined)
    problems.push(...schemaProblems(IntervalOverrides, config.intervals, 'intervals'));
  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
  // the shared protocol schema checks probes and intervals exactly as it does for a pushed config
  try {
    localConfigFrame(config);
  } catch (e) {
    throw new Error(`${source}: ${messageOf(e)}`);
  }
  const vpn = config.vpn;
  if (vpn !== undefined) {
    if (typeof vpn !== 'object' || vpn === null) throw new Error(`${source}: "vpn" must be an object`);
    if (
      vpn.checkTarget !== undefined &&
      (typeof vpn.checkTarget !== 'string' || !parseHostPort(vpn.checkTarget))
    ) {
      throw new Error(`${source}: vpn.checkTarget must be "host:port"`);
    }
    if (
      vpn.checkTimeoutMs !== undefined &&
      !(Number.isInteger(vpn.checkTimeoutMs) && vpn.checkTimeoutMs > 0)
    ) {
      throw new Error(`${source}: vpn.checkTimeoutMs must be a positive integer`);
    }
    const unknownVpn = Object.keys(vpn).filter((k) => !VPN_KEYS.includes(k));
    if (unknownVpn.length > 0)
      throw new Error(
        `${source}: unknown vpn field(s) ${unknownVpn.join(', ')}; allowed: ${VPN_KEYS.join(', ')}`,
      );
    for (const [k, max] of Object.entries(VPN_TEXT)) {
      const v = vpn[k as keyof typeof VPN_TEXT];
      if (v !== undefined && (typeof v !== 'string' || v.trim() === '' || v.length > max))
        throw new Error(`${source}: vpn.${k} must be a non-empty string of at most ${max} characters`);
    }
  }
  const tls = config.tls;
  if (tls !== undefined) {
    const keys = typeof tls === 'object' && tls !== null ? Object.keys(tls) : null;
    if (
      !keys ||
      keys.some((k) => k !== 'caFile') ||
      (tls.caFile !== undefined && (typeof tls.caFile !== 'string' || tls.caFile === ''))
    )
      throw new Error(`${source}: "tls" must be an object with at most "caFile" (path of a PEM file)`);
  }
  for (const k of ['site', 'orgUnit'] as const) {
    const v = config[k];
    if (v !== undefined && (typeof v !== 'string' || v.trim() === '' || v.length > 128))
      throw new Error(`${source}: "${k}" must be a non-empty string of at most 128 characters`);
  }
  serverTlsProblems(config, source);
  checkSpoolConfig(config.spool, source);
  return config;
}

/** Checks `serverTls` and `allowInsecure`; fingerprints are normalized in place. */
function serverTlsProblems(config: LocalConfig, source: string): void {
  if (config.allowInsecure !== undefined && typeof config.allowInsecure !== 'boolean')
    throw new Error(`${source}: "allowInsecure" must be true or false`);
  const st = config.serverTls as unknown;
  if (st === undefined) return;
  const shape = `${source}: "serverTls" must be an object with "caFile" (path of a PEM file) and/or "fingerprints" (list of SHA-256 hex fingerprints)`;
  if (typeof st !== 'object' || st === null || Array.isArray(st)) throw new Error(shape);
  const o = st as Record<string, unknown>;
  if (Object.keys(o).some((k) => k !== 'caFile' && k !== 'fingerprints')) throw new Error(shape);
  if (o.caFile !== undefined && (typeof o.caFile !== 'string' || o.caFile === '')) throw new Error(shape);
  if (o.fingerprints !== undefined) {
    if (!Array.isArray(o.fingerprints) || o.fingerprints.some((f) => typeof f !== 'string'))
      throw new Error(shape);
    try {
      o.fingerprints = parseFingerprints(o.fingerprints as string[]);
    } catch (e) {
      throw new Error(`${source}: serverTls.fingerprints: ${messageOf(e)}`);
    }
  }
}

/** Reads a config file. */
export function loadLocalConfig(path: string): LocalConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read config file ${path}: ${messageOf(e)}`);
  }
  return parseLocalConfig(text, path);
}

/** The local probes and intervals in the shape of a server config frame (version 0). */
export function localConfigFrame(local: LocalConfig): ConfigFrame {
  const frame = {
    type: 'config',
    version: 0,
    probes: local.probes ?? [],
    intervals: { ...DEFAULT_INTERVALS, ...local.intervals },
  };
  const decoded = decodeServerFrame(JSON.stringify(frame));
  return decoded as ConfigFrame;
}
