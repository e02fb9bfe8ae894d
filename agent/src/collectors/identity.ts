import { createHash } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { Capability, IdentityData, OsFamily } from '@lagebild/shared';
import type { CollectOptions, Collector } from '../collector.js';
import { realSystemInfo, type SystemInfo } from '../si.js';
import { AGENT_VERSION } from '../version.js';
import { isExcluded } from './vpn-detect.js';

type IdentitySi = Pick<SystemInfo, 'system' | 'bios' | 'osInfo' | 'networkInterfaces'>;

// Values firmware vendors leave in unset DMI fields.
const PLACEHOLDER =
  /^(|-|0+|none|n\/a|default string|to be filled by o\.e\.m\.|system serial number|not specified|not applicable|chassis serial number|0123456789)$/i;

function real(value: string | undefined): string | undefined {
  const v = (value ?? '').trim();
  return PLACEHOLDER.test(v) ? undefined : v;
}

const cut = (s: string, max: number) => s.slice(0, max);

/** Maps systeminformation's platform to the protocol's OS family. */
export function osFamily(platform: string): OsFamily {
  const p = platform.toLowerCase();
  if (p === 'win32' || p.startsWith('windows')) return 'windows';
  if (p === 'darwin' || p === 'macos') return 'macos';
  if (p === 'linux') return 'linux';
  return 'other';
}

/** Where the notebook belongs, as set at installation (config file); not read from the machine. */
export interface DeviceGroups {
  site?: string;
  orgUnit?: string;
}

/** Reads who this device is. */
export async function readIdentity(
  si: IdentitySi = realSystemInfo,
  groups: DeviceGroups = {},
): Promise<IdentityData> {
  const [system, bios, os] = await Promise.all([si.system(), si.bios(), si.osInfo()]);
  const data: IdentityData = {
    kind: 'identity',
    hostname: cut(os.hostname || osHostname(), 255),
    serial: cut(real(system.serial) ?? real(bios.serial) ?? '', 128),
    os: osFamily(os.platform),
    osVersion: cut([os.distro, os.release].filter(Boolean).join(' ') || os.kernel, 128),
    agentVersion: AGENT_VERSION,
  };
  const build = os.build || os.kernel;
  if (build) data.osBuild = cut(build, 128);
  const manufacturer = real(system.manufacturer);
  if (manufacturer) data.manufacturer = cut(manufacturer, 128);
  const model = real(system.model);
  if (model) data.model = cut(model, 128);
  if (groups.site) data.site = cut(groups.site, 128);
  if (groups.orgUnit) data.orgUnit = cut(groups.orgUnit, 128);
  return data;
}

/**
 * A stable id for enrollment that survives a reinstall, hashed with SHA-256: the system UUID or serial
 * when the firmware has one; otherwise the sorted MAC addresses of physical interfaces (MACs come second
 * because docks, USB adapters and randomised Wi-Fi addresses change them), then the OS installation id.
 */
export async function hardwareId(si: IdentitySi = realSystemInfo): Promise<string> {
  const [system, bios, os, nics] = await Promise.all([
    si.system(),
    si.bios(),
    si.osInfo(),
    si.networkInterfaces(),
  ]);
  const board = real(system.uuid)?.toLowerCase() ?? real(system.serial) ?? real(bios.serial);
  const macs = [
    ...new Set(
      nics
        .filter((n) => !n.virtual && !isExcluded(n) && real(n.mac.replace(/[:-]/g, '')))
        .map((n) => n.mac.toLowerCase()),
    ),
  ].sort();
  const material = board
    ? `board:${board}`
    : macs.length > 0
      ? `mac:${macs.join(',')}`
      : `os:${real(os.serial) ?? os.hostname}`;
  return `sha256:${createHash('sha256').update(material).digest('hex')}`;
}

/** Reports the device identity at start and whenever it changes (e.g. a rename or OS update). */
export class IdentityCollector implements Collector {
  readonly name = 'identity';
  private last = '';

  constructor(
    private readonly si: IdentitySi = realSystemInfo,
    private readonly groups: DeviceGroups = {},
  ) {}

  async capability(): Promise<Capability> {
    return { name: 'identity', available: true };
  }

  async collect(options: CollectOptions = {}): Promise<IdentityData[]> {
    const data = await readIdentity(this.si, this.groups);
    const text = JSON.stringify(data);
    if (text === this.last && !options.force) return [];
    this.last = text;
    return [data];
  }
}
