import type { Capability, SecurityKey, SecurityKeyData } from '@lagebild/shared';
import { type Clock, type CollectOptions, type Collector, messageOf, systemClock } from '../collector.js';
import type { SystemInfo, UsbDevice } from '../si.js';
import { type HidDevice, securityKeysFrom, withUsbSerials } from './security-key-detect.js';

/** The part of node-hid the agent uses. */
export interface HidApi {
  devicesAsync(): Promise<HidDevice[]>;
}

export type HidLoader = () => Promise<HidApi>;

/** Loads node-hid on first use; a missing native module or libusb must not stop the agent. */
export const loadNodeHid: HidLoader = async () => {
  // a variable specifier keeps node-hid optional: the agent builds and runs without it
  const specifier = 'node-hid';
  const mod = (await import(specifier)) as { default?: HidApi } & Partial<HidApi>;
  const api = mod.devicesAsync ? (mod as HidApi) : mod.default;
  if (!api?.devicesAsync) throw new Error('node-hid has no devicesAsync()');
  return api;
};

export interface SecurityKeyCollectorOptions {
  loadHid?: HidLoader;
  /** the USB device list, asked only when the keys change and one lacks a serial number */
  si?: Pick<SystemInfo, 'usb'>;
  /** how long an insert event may wait for the USB list (lsusb, PowerShell) before it goes out without serial */
  usbTimeoutMs?: number;
  now?: Clock;
  heartbeatMs?: number;
}

/** Reports YubiKeys and other FIDO keys: insert/remove at once, otherwise a heartbeat every minute. */
export class SecurityKeyCollector implements Collector {
  readonly name = 'securityKey';
  private readonly loadHid: HidLoader;
  private readonly now: Clock;
  private readonly heartbeatMs: number;
  private readonly si: Pick<SystemInfo, 'usb'> | undefined;
  private readonly usbTimeoutMs: number;
  private hid: Promise<HidApi> | undefined;
  private last: string | null = null;
  private lastSent = Number.NEGATIVE_INFINITY;
  /** the USB list read for the current set of keys; polling stays at one cheap HID enumeration */
  private usb: { signature: string; list: Promise<UsbDevice[]> } | undefined;

  constructor(options: SecurityKeyCollectorOptions = {}) {
    this.loadHid = options.loadHid ?? loadNodeHid;
    this.si = options.si;
    this.usbTimeoutMs = options.usbTimeoutMs ?? 1500;
    this.now = options.now ?? systemClock;
    this.heartbeatMs = options.heartbeatMs ?? 60_000;
  }

  /** Lists HID devices; node-hid loads its native binding on the first call, so that call proves it works. */
  private async devices(): Promise<HidDevice[]> {
    this.hid ??= this.loadHid();
    return (await this.hid).devicesAsync();
  }

  async capability(): Promise<Capability> {
    try {
      await this.devices();
      return { name: 'securityKey', available: true };
    } catch (e) {
      return { name: 'securityKey', available: false, reason: messageOf(e).slice(0, 512) };
    }
  }

  async collect(options: CollectOptions = {}): Promise<SecurityKeyData[]> {
    let data: SecurityKeyData;
    try {
      const keys = await this.withSerials(securityKeysFrom(await this.devices()));
      data = { kind: 'securityKey', change: false, available: true, present: keys.length > 0, keys };
    } catch (e) {
      const reason = messageOf(e).slice(0, 512);
      data = { kind: 'securityKey', change: false, available: false, reason, present: false, keys: [] };
    }
    const signature = JSON.stringify([data.available, data.keys]);
    const now = this.now();
    data.change = this.last !== null && signature !== this.last;
    const first = this.last === null;
    this.last = signature;
    if (!first && !data.change && !options.force && now - this.lastSent < this.heartbeatMs) return [];
    this.lastSent = now;
    return [data];
  }

  /** Serial numbers from the USB list for keys without one; the list is read once per set of keys. */
  private async withSerials(keys: SecurityKey[]): Promise<SecurityKey[]> {
    if (!this.si || !keys.some((k) => !k.serial)) {
      // a key inserted later is read afresh, even if it looks like the one removed before
      this.usb = undefined;
      return keys;
    }
    const signature = JSON.stringify(keys);
    if (this.usb?.signature !== signature) {
      const si = this.si;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<UsbDevice[]>((resolve) => {
        timer = setTimeout(() => resolve([]), this.usbTimeoutMs);
      });
      const list = Promise.race([si.usb().catch(() => []), timeout]).finally(() => clearTimeout(timer));
      this.usb = { signature, list };
    }
    return withUsbSerials(keys, await this.usb.list);
  }
}
