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
  battery(): Promise<
    Pick<Systeminformation.BatteryData, 'hasBattery' | 'percent' | 'acConnected'> &
      Partial<Pick<Systeminformation.BatteryData, 'isCharging' | 'designedCapacity' | 'maxCapacity'>>
  >;
  /** Wi-Fi links without SSID and BSSID: the real implementation drops them before anything else sees them. */
  wifiConnections(): Promise<WifiConnection[]>;
  time(): Pick<Systeminformation.TimeData, 'uptime'>;
  /** USB devices; read only when a security key appears, for serial numbers node-hid did not give. */
  usb(): Promise<UsbDevice[]>;
}

/** The fields of `si.wifiConnections()` entries the agent reads; never the SSID. */
export type WifiConnection = Pick<Systeminformation.WifiConnectionData, 'iface' | 'quality'> &
  Partial<Pick<Systeminformation.WifiConnectionData, 'signalLevel' | 'txRate'>>;

/** Keeps the signal figures of a Wi-Fi link and drops everything else: the SSID and BSSID never get further. */
export function wifiWithoutNames(c: WifiConnection): WifiConnection {
  const { iface, quality, signalLevel, txRate } = c;
  return { iface, quality, signalLevel, txRate };
}

/** The fields of `si.usb()` entries the agent reads (`deviceId` is a string on Windows). */
export type UsbDevice = Pick<Systeminformation.UsbData, 'id' | 'name' | 'serialNumber'> & {
  deviceId?: number | string | null;
};

/** The fields of `si.networkInterfaces()` entries the agent reads. */
export type NetworkInterface = Pick<
  Systeminformation.NetworkInterfacesData,
  'iface' | 'ifaceName' | 'type' | 'virtual' | 'operstate' | 'ip4' | 'ip6' | 'mac'
> &
  Partial<Pick<Systeminformation.NetworkInterfacesData, 'internal' | 'default' | 'speed'>>;

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
  wifiConnections: async () => (await si.wifiConnections()).map(wifiWithoutNames),
  time: () => si.time(),
  usb: () => si.usb(),
};
