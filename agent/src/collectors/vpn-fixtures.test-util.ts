import { readdirSync } from 'node:fs';
import type { Systeminformation } from 'systeminformation';
import { type CommandResult, commandKey, type RunCommand } from '../exec.js';

/** A `si.networkInterfaces()` entry with every field systeminformation fills, for tests. */
export function nic(
  p: Partial<Systeminformation.NetworkInterfacesData>,
): Systeminformation.NetworkInterfacesData {
  return {
    iface: 'eth0',
    ifaceName: p.iface ?? 'eth0',
    default: false,
    ip4: '',
    ip4subnet: '',
    ip6: '',
    ip6subnet: '',
    mac: '',
    internal: false,
    virtual: false,
    operstate: 'up',
    type: 'wired',
    duplex: 'full',
    mtu: 1500,
    speed: 1000,
    dhcp: false,
    dnsSuffix: '',
    ieee8021xAuth: 'Not defined',
    ieee8021xState: 'Disabled',
    carrierChanges: 0,
    ...p,
  };
}

export const LOOPBACK = nic({
  iface: 'lo',
  ip4: '127.0.0.1',
  ip6: '::1',
  internal: true,
  operstate: 'unknown',
  type: 'virtual',
});
export const ETHERNET = nic({ iface: 'eth0', ip4: '192.168.1.20', mac: '3c:52:82:11:22:33', default: true });
export const WLAN = nic({
  iface: 'wlan0',
  ip4: '192.168.178.31',
  mac: '3c:52:82:aa:bb:cc',
  type: 'wireless',
});

// Windows reports the connection name as iface and the adapter description as ifaceName.
export const WIN_WIFI = nic({
  iface: 'WLAN',
  ifaceName: 'Intel(R) Wi-Fi 6 AX201 160MHz',
  ip4: '192.168.178.40',
  type: 'wireless',
  default: true,
});
export const WIN_HYPERV = nic({
  iface: 'vEthernet (WSL)',
  ifaceName: 'Hyper-V Virtual Ethernet Adapter',
  ip4: '172.28.144.1',
  virtual: true,
});
export const WIN_VBOX = nic({
  iface: 'Ethernet 2',
  ifaceName: 'VirtualBox Host-Only Ethernet Adapter',
  ip4: '192.168.56.1',
  virtual: true,
});
export const WIN_VMWARE = nic({
  iface: 'VMware Network Adapter VMnet8',
  ifaceName: 'VMware Virtual Ethernet Adapter for VMnet8',
  ip4: '192.168.80.1',
  virtual: true,
});
export const WIN_BLUETOOTH = nic({
  iface: 'Bluetooth-Netzwerkverbindung',
  ifaceName: 'Bluetooth Device (Personal Area Network)',
  operstate: 'down',
});
export const WIN_WIFI_DIRECT = nic({
  iface: 'LAN-Verbindung* 1',
  ifaceName: 'Microsoft Wi-Fi Direct Virtual Adapter',
  operstate: 'down',
  virtual: true,
});
export const DOCKER = nic({ iface: 'docker0', ip4: '172.17.0.1', type: 'virtual', virtual: true });
export const BRIDGE = nic({ iface: 'br-3f2a9c', ip4: '172.18.0.1', type: 'virtual', virtual: true });
export const VETH = nic({
  iface: 'veth12ab34',
  ip6: 'fe80::1c2d:3eff:fe4f:5a6b',
  type: 'virtual',
  virtual: true,
});
export const VIRBR = nic({ iface: 'virbr0', ip4: '192.168.122.1', type: 'virtual', virtual: true });
// macOS keeps utun0..3 for system services; they carry only link-local IPv6 addresses
export const MAC_UTUN_SYSTEM = nic({
  iface: 'utun0',
  ip6: 'fe80::ce81:b1c:bd2c:69e',
  operstate: 'unknown',
  type: 'virtual',
});

const FIXTURE_DIR = new URL('./fixtures/vpn/', import.meta.url);

/** Names of the recorded VPN fixtures (without `.json`). */
export function vpnFixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

/** A RunCommand that answers from recorded outputs and remembers what was asked; unrecorded commands fail to start. */
export function replayRun(commands: Record<string, CommandResult>): RunCommand & { asked: string[] } {
  const asked: string[] = [];
  const run = async (file: string, args: string[]): Promise<CommandResult> => {
    const key = commandKey(file, args);
    asked.push(key);
    return commands[key] ?? { code: null, stdout: '', stderr: `not recorded: ${key}` };
  };
  return Object.assign(run, { asked });
}
