import type { Capability, HealthData, LinkType } from '@lagebild/shared';
import type { Collector } from '../collector.js';
import { type NetworkInterface, realSystemInfo, type SystemInfo } from '../si.js';
import { classifyTunnel, isExcluded } from './vpn-detect.js';

type HealthSi = Pick<
  SystemInfo,
  'currentLoad' | 'mem' | 'fsSize' | 'battery' | 'networkInterfaces' | 'wifiConnections' | 'time'
>;

export interface HealthCollectorOptions {
  si?: HealthSi;
  platform?: NodeJS.Platform;
  /** Windows system drive, e.g. "C:" */
  systemDrive?: string;
}

const MOBILE = /wwan|mobile|cellular|mbim|rmnet|wwp|breitband/i;
const pct = (v: number) => Math.min(100, Math.max(0, Math.round(v * 10) / 10));

/** The interface that carries traffic: the default one, or the physical link under a full-tunnel VPN. */
export function primaryInterface(nics: readonly NetworkInterface[]): NetworkInterface | undefined {
  const physical = (n: NetworkInterface) => !isExcluded(n) && !classifyTunnel(n);
  const def = nics.find((n) => n.default);
  if (def && physical(def)) return def;
  return nics.find((n) => physical(n) && !n.virtual && n.operstate === 'up' && (n.ip4 || n.ip6));
}

/** Link type of an interface as the dashboard shows it. */
export function linkType(n: NetworkInterface | undefined): LinkType {
  if (!n) return 'none';
  if (MOBILE.test(n.iface) || MOBILE.test(n.ifaceName ?? '')) return 'mobile';
  if (n.type === 'wireless') return 'wifi';
  if (n.type === 'wired') return 'ethernet';
  return 'other';
}

/** Device health that explains slowness: CPU, memory, disk, battery, link, Wi-Fi signal, uptime. */
export class HealthCollector implements Collector {
  readonly name = 'health';
  private readonly si: HealthSi;
  private readonly platform: NodeJS.Platform;
  private readonly systemDrive: string;

  constructor(options: HealthCollectorOptions = {}) {
    this.si = options.si ?? realSystemInfo;
    this.platform = options.platform ?? process.platform;
    this.systemDrive = (options.systemDrive ?? process.env.SystemDrive ?? 'C:').toUpperCase();
  }

  async capability(): Promise<Capability> {
    return { name: 'health', available: true };
  }

  async collect(): Promise<HealthData[]> {
    const [load, mem, disks, battery, nics] = await Promise.all([
      this.si.currentLoad(),
      this.si.mem(),
      this.si.fsSize().catch(() => []),
      this.si.battery().catch(() => null),
      this.si.networkInterfaces().catch(() => []),
    ]);
    const primary = primaryInterface(nics);
    const link = linkType(primary);
    const data: HealthData = {
      kind: 'health',
      cpuPct: pct(load.currentLoad),
      memPct: mem.total > 0 ? pct((mem.active / mem.total) * 100) : 0,
      memTotalMb: Math.round(mem.total / 1_048_576),
      batteryPct: battery?.hasBattery ? pct(battery.percent) : null,
      onAc: battery?.hasBattery ? battery.acConnected : null,
      link,
      uptimeSec: Math.max(0, Math.floor(this.si.time().uptime)),
    };
    const disk = this.systemDisk(disks);
    if (disk && disk.size > 0) data.diskFreePct = pct((disk.available / disk.size) * 100);
    if (link === 'wifi') data.wifiSignalPct = await this.wifiSignal(primary?.iface);
    return [data];
  }

  private systemDisk(disks: { fs: string; mount: string; size: number; available: number }[]) {
    if (this.platform === 'win32') {
      return disks.find(
        (d) => d.fs.toUpperCase() === this.systemDrive || d.mount.toUpperCase() === this.systemDrive,
      );
    }
    // on macOS the writable data volume holds what fills up, "/" is the sealed system volume
    if (this.platform === 'darwin') {
      return disks.find((d) => d.mount === '/System/Volumes/Data') ?? disks.find((d) => d.mount === '/');
    }
    return disks.find((d) => d.mount === '/');
  }

  /** Signal quality of the connected Wi-Fi; null when the OS does not tell (no SSID is read or kept). */
  private async wifiSignal(iface: string | undefined): Promise<number | null> {
    try {
      const conns = await this.si.wifiConnections();
      const conn = conns.find((c) => c.iface === iface) ?? conns[0];
      return conn && Number.isFinite(conn.quality) ? pct(conn.quality) : null;
    } catch {
      return null;
    }
  }
}
