import type { Systeminformation } from 'systeminformation';
import * as si from 'systeminformation';

/** The systeminformation functions the collectors use; tests hand in fakes with the same shape. */
export interface SystemInfo {
  system(): Promise<Pick<Systeminformation.SystemData, 'manufacturer' | 'model' | 'serial' | 'uuid'>>;
  bios(): Promise<Pick<Systeminformation.BiosData, 'serial'>>;
  osInfo(): Promise<
    Pick<
      Systeminformation.OsData,
      'platform' | 'distro' | 'release' | 'build' | 'kernel' | 'hostname' | 'serial'
    >
  >;
  networkInterfaces(): Promise<NetworkInterface[]>;
  currentLoad(): Promise<Pick<Systeminformation.CurrentLoadData, 'currentLoad'>>;
  mem(): Promise<Pick<Systeminformation.MemData, 'total' | 'active'>>;
  fsSize(): Promise<Pick<Systeminformation.FsSizeData, 'fs' | 'mount' | 'size' | 'available'>[]>;
  battery(): Promise<Pick<Systeminformation.BatteryData, 'hasBattery' | 'percent' | 'acConnected'>>;
  wifiConnections(): Promise<Pick<Systeminformation.WifiConnectionData, 'iface' | 'quality'>[]>;
  time(): Pick<Systeminformation.TimeData, 'uptime'>;
}

/** The fields of `si.networkInterfaces()` entries the agent reads. */
export type NetworkInterface = Pick<
  Systeminformation.NetworkInterfacesData,
  'iface' | 'ifaceName' | 'type' | 'virtual' | 'operstate' | 'ip4' | 'ip6' | 'mac'
> &
  Partial<Pick<Systeminformation.NetworkInterfacesData, 'internal' | 'default'>>;

/** The real systeminformation module. */
export const realSystemInfo: SystemInfo = {
  system: () => si.system(),
  bios: () => si.bios(),
  osInfo: () => si.osInfo(),
  networkInterfaces: async () => {
    const r = await si.networkInterfaces();
    return Array.isArray(r) ? r : [r];
  },
  currentLoad: () => si.currentLoad(),
  mem: () => si.mem(),
  fsSize: () => si.fsSize(),
  battery: () => si.battery(),
  wifiConnections: () => si.wifiConnections(),
  time: () => si.time(),
};
