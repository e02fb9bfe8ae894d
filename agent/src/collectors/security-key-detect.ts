import type { SecurityKey } from '@lagebild/shared';
import type { UsbDevice } from '../si.js';
import { FIDO_USAGE_PAGE, fidoKeyMaker } from './security-key-vendors.js';
import { INTERFACE_ORDER, type KeyInterface, YUBICO_VENDOR_ID, yubicoModel } from './yubikey-models.js';

export { FIDO_USAGE_PAGE } from './security-key-vendors.js';
export { YUBICO_VENDOR_ID } from './yubikey-models.js';

/** The fields of a node-hid `devices()` entry the agent reads. */
export interface HidDevice {
  vendorId: number;
  productId: number;
  path?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  /** bcdDevice; YubiKeys put their firmware version here (0x0543 = 5.4.3) */
  release?: number;
  interface?: number;
  usagePage?: number;
  usage?: number;
}

const MAX_KEYS = 16;

/** The interface one HID entry of a security key stands for, when it can be told. */
function interfaceOf(d: HidDevice): KeyInterface | null {
  if (d.usagePage === FIDO_USAGE_PAGE) return 'FIDO';
  // OTP types the one-time password through a keyboard interface (generic desktop page, keyboard usage)
  if (d.usagePage === 0x01 && d.usage === 0x06) return 'OTP';
  return null;
}

const serialOf = (d: HidDevice) => d.serialNumber?.trim().slice(0, 64) || undefined;

/** A key for one physical key's entries: one HID entry per interface, same ids and serial. */
const groupOf = (d: HidDevice) => `${d.vendorId}:${d.productId}:${serialOf(d) ?? ''}`;

function describe(first: HidDevice, visible: readonly KeyInterface[]): SecurityKey {
  const ids = { vendorId: first.vendorId, productId: first.productId };
  const serial = serialOf(first);
  if (first.vendorId === YUBICO_VENDOR_ID) {
    const m = yubicoModel(first.productId, first.release, first.product);
    // the product id names the enabled interfaces, CCID included; for an unknown id only what HID shows
    const interfaces = m.interfaces.length > 0 ? m.interfaces : [...visible];
    const key: SecurityKey = { vendor: 'Yubico', product: m.family, ...ids, interfaces };
    if (m.interfaces.length > 0) key.model = m.model;
    if (serial) key.serial = serial;
    return key;
  }
  const maker = fidoKeyMaker(first.vendorId, first.productId, first.manufacturer);
  const key: SecurityKey = {
    vendor: maker.vendor,
    product: first.product?.trim() || maker.model || 'FIDO security key',
    ...ids,
    interfaces: [...visible],
  };
  if (maker.model) key.model = maker.model;
  if (serial) key.serial = serial;
  return key;
}

/**
 * Turns a node-hid device list into physical security keys: YubiKeys (Yubico vendor id) and any device with
 * the FIDO usage page. Keyboards, mice and headsets do not count. One key shows up as one HID entry per
 * interface; entries group by vendor, product and serial, and N identical keys without a serial show up as
 * N entries of each interface.
 */
export function securityKeysFrom(devices: readonly HidDevice[]): SecurityKey[] {
  const groups = new Map<string, HidDevice[]>();
  for (const d of devices) {
    const g = groupOf(d);
    groups.set(g, [...(groups.get(g) ?? []), d]);
  }
  const keys: SecurityKey[] = [];
  for (const entries of groups.values()) {
    const first = entries[0]!;
    const isKey = first.vendorId === YUBICO_VENDOR_ID || entries.some((e) => e.usagePage === FIDO_USAGE_PAGE);
    if (!isKey) continue;
    const perInterface = new Map<string, number>();
    for (const e of entries) {
      const i = interfaceOf(e) ?? `#${e.usagePage ?? '?'}:${e.usage ?? '?'}:${e.interface ?? '?'}`;
      perInterface.set(i, (perInterface.get(i) ?? 0) + 1);
    }
    const visible = INTERFACE_ORDER.filter((i) => perInterface.has(i));
    const key = describe(first, visible);
    const count = Math.max(...perInterface.values());
    for (let n = 0; n < count; n++) keys.push({ ...key, interfaces: [...key.interfaces] });
  }
  return keys
    .sort(
      (a, b) =>
        a.vendorId - b.vendorId ||
        a.productId - b.productId ||
        (a.serial ?? '').localeCompare(b.serial ?? ''),
    )
    .slice(0, MAX_KEYS);
}

/** Vendor id, product id and serial of a systeminformation `usb()` entry, when its platform tells them. */
function usbIds(u: UsbDevice): { ids: string; serial?: string } | null {
  // Linux (lsusb): id "1050:0407", serial from iSerial ("" when the device has none)
  if (typeof u.id === 'string' && /^[0-9a-f]{4}:[0-9a-f]{4}$/i.test(u.id)) {
    return { ids: u.id.toLowerCase(), serial: u.serialNumber?.trim() || undefined };
  }
  // Windows: the device instance id ends in the USB serial, or in a generated id with "&" when there is none
  const m = /VID_([0-9A-F]{4})&PID_([0-9A-F]{4})\\([^\\]*)$/i.exec(String(u.deviceId ?? ''));
  if (m) {
    const serial = m[3] && !m[3].includes('&') ? m[3] : undefined;
    return { ids: `${m[1]}:${m[2]}`.toLowerCase(), serial };
  }
  // macOS lists no vendor or product ids; node-hid reads the serial from IOKit there already
  return null;
}

const idsOf = (k: SecurityKey) =>
  `${k.vendorId.toString(16).padStart(4, '0')}:${k.productId.toString(16).padStart(4, '0')}`;

/**
 * Adds serial numbers from the USB device list to keys whose HID entries had none. Keys of the same
 * vendor and product are otherwise identical, so which one gets which serial does not matter.
 */
export function withUsbSerials(keys: readonly SecurityKey[], usb: readonly UsbDevice[]): SecurityKey[] {
  const free = new Map<string, string[]>();
  for (const u of usb) {
    const id = usbIds(u);
    if (id?.serial) free.set(id.ids, [...(free.get(id.ids) ?? []), id.serial.slice(0, 64)]);
  }
  for (const k of keys) {
    if (k.serial)
      free.set(
        idsOf(k),
        (free.get(idsOf(k)) ?? []).filter((s) => s !== k.serial),
      );
  }
  for (const list of free.values()) list.sort();
  return keys.map((k) => {
    if (k.serial) return k;
    const serial = free.get(idsOf(k))?.shift();
    return serial ? { ...k, serial } : k;
  });
}
