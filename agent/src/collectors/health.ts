import type { Capability, HealthData, LinkType } from '@lagebild/shared';
import type { Collector } from '../collector.js';
import { SelfUsage } from '../self-usage.js';
import { type NetworkInterface, realSystemInfo, type SystemInfo, type WifiConnection } from '../si.js';
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
  /** local clock minus server clock in ms, null until a round trip to the server told it */
  clockOffsetMs?: () => number | null;
  /** the agent's own CPU and memory; null leaves them out (e.g. when replaying another machine's inputs) */
  selfUsage?: SelfUsage | null;
}

// mobile broadband: Linux wwan*/wwp*/rmnet (MBIM/QMI modems), Windows "Mobile Broadband" / "Mobilfunk" /
// "Cellular" adapters, and phones tethered over USB (RNDIS on Windows, "iPhone USB" on macOS)
const MOBILE = /wwan|mobile|cellular|mbim|rmnet|wwp|breitband|mobilfunk|r(emote )?ndis|iphone usb/i;
const pct = (v: number) => Math.min(100, Math.max(0, Math.round(v * 10) / 10));
const positive = (v: number | null | undefined): v is number => typeof v === 'number' && v > 0;

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

/** Battery fields of the health record; all null without a battery. */
function batteryFields(b: Awaited<ReturnType<HealthSi['battery']>> | null) {
  if (!b?.hasBattery) return { batteryPct: null, onAc: null, charging: null, batteryHealthPct: null };
  const designed = b.designedCapacity;
  const max = b.maxCapacity;
  return {
    batteryPct: pct(b.percent),
    onAc: b.acConnected,
    charging: typeof b.isCharging === 'boolean' ? b.isCharging : null,
    // both in the same unit (mWh or mAh); a new battery may report slightly more than designed
    batteryHealthPct:
      positive(designed) && positive(max) ? Math.min(200, Math.round((max / designed) * 1000) / 10) : null,
  };
}

/** Signal and speed of the Wi-Fi link: only numbers are read, never the SSID or BSSID. */
function wifiFields(conn: WifiConnection | undefined) {
  const dbm = conn?.signalLevel;
  return {
    wifiSignalPct: conn && Number.isFinite(conn.quality) ? pct(conn.quality) : null,
    // 0 or above is no real reading (some drivers report 0 when they do not know)
    wifiSignalDbm: typeof dbm === 'number' && dbm < 0 && dbm >= -150 ? dbm : null,
  };
}

/**
 * Device health that explains slowness: CPU, memory, disk, battery (level, charging, wear), power source,
 * link type, Wi-Fi signal and link speed, uptime, clock offset to the server and the agent's own footprint.
 */
export class HealthCollector implements Collector {
  readonly name = 'health';
  private readonly si: HealthSi;
  private readonly platform: NodeJS.Platform;
  private readonly systemDrive: string;
  private readonly clockOffsetMs: (() => number | null) | undefined;
  private readonly selfUsage: SelfUsage | null;

  constructor(options: HealthCollectorOptions = {}) {
    this.si = options.si ?? realSystemInfo;
    this.platform = options.platform ?? process.platform;
    this.systemDrive = (options.systemDrive ?? process.env.SystemDrive ?? 'C:').toUpperCase();
    this.clockOffsetMs = options.clockOffsetMs;
    this.selfUsage = options.selfUsage === undefined ? new SelfUsage() : options.selfUsage;
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
      ...batteryFields(battery),
      link,
      uptimeSec: Math.max(0, Math.floor(this.si.time().uptime)),
    };
    const disk = this.systemDisk(disks);
    if (disk && disk.size > 0) data.diskFreePct = pct((disk.available / disk.size) * 100);
    const wifi = link === 'wifi' ? await this.wifiConnection(primary?.iface) : undefined;
    if (link === 'wifi') Object.assign(data, wifiFields(wifi));
    // Windows and macOS report the negotiated speed of Wi-Fi adapters too; Linux only of wired ones,
    // where the Wi-Fi transmit rate stands in
    const nicSpeed = primary?.speed;
    const txRate = wifi?.txRate;
    if (link !== 'none')
      data.linkSpeedMbps = positive(nicSpeed) ? nicSpeed : positive(txRate) ? txRate : null;
    if (this.clockOffsetMs) data.clockOffsetMs = this.clockOffsetMs();
    if (this.selfUsage) {
      const self = this.selfUsage.sample();
      if (self.cpuPct !== null) data.agentCpuPct = self.cpuPct;
      data.agentRssMb = self.rssMb;
    }
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

  /** The connected Wi-Fi link of the primary interface; undefined when the OS does not tell. */
  private async wifiConnection(iface: string | undefined): Promise<WifiConnection | undefined> {
    try {
      const conns = await this.si.wifiConnections();
      return conns.find((c) => c.iface === iface) ?? conns[0];
    } catch {
      return undefined;
    }
  }
}
