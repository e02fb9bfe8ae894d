import type { SecurityKey } from '@lagebild/shared';

/** The fields of a node-hid device entry the agent reads. */
export interface HidDevice {
  vendorId: number;
  productId: number;
  path?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  release?: number;
  interface?: number;
  usagePage?: number;
  usage?: number;
}

export const YUBICO_VENDOR_ID = 0x1050;
/** HID usage page of the FIDO alliance (CTAP HID). */
export const FIDO_USAGE_PAGE = 0xf1d0;

// Yubico product ids name the USB interfaces the key is configured with (CCID is no HID, so it shows only here).
const YUBICO_PRODUCTS: Record<number, { series: string; interfaces: string[] }> = {
  16: { series: 'YubiKey', interfaces: ['OTP'] },
  272: { series: 'YubiKey NEO', interfaces: ['OTP'] },
  273: { series: 'YubiKey NEO', interfaces: ['OTP', 'CCID'] },
  274: { series: 'YubiKey NEO', interfaces: ['CCID'] },
  275: { series: 'YubiKey NEO', interfaces: ['FIDO'] },
  276: { series: 'YubiKey NEO', interfaces: ['OTP', 'FIDO'] },
  277: { series: 'YubiKey NEO', interfaces: ['FIDO', 'CCID'] },
  278: { series: 'YubiKey NEO', interfaces: ['OTP', 'FIDO', 'CCID'] },
  288: { series: 'Security Key by Yubico', interfaces: ['FIDO'] },
  1025: { series: 'YubiKey', interfaces: ['OTP'] },
  1026: { series: 'YubiKey', interfaces: ['FIDO'] },
  1027: { series: 'YubiKey', interfaces: ['OTP', 'FIDO'] },
  1028: { series: 'YubiKey', interfaces: ['CCID'] },
  1029: { series: 'YubiKey', interfaces: ['OTP', 'CCID'] },
  1030: { series: 'YubiKey', interfaces: ['FIDO', 'CCID'] },
  1031: { series: 'YubiKey', interfaces: ['OTP', 'FIDO', 'CCID'] },
  1040: { series: 'YubiKey Plus', interfaces: ['OTP', 'FIDO'] },
};

const VENDOR_NAMES: Record<number, string> = {
  [YUBICO_VENDOR_ID]: 'Yubico',
  8352: 'Nitrokey',
  2414: 'Feitian',
  6353: 'Google',
};

const INTERFACE_ORDER = ['OTP', 'FIDO', 'CCID'];

/** The interface one HID entry stands for, when it can be told. */
function interfaceOf(d: HidDevice): string | null {
  if (d.usagePage === FIDO_USAGE_PAGE) return 'FIDO';
  // Yubico OTP types the one-time password through a keyboard interface
  if (d.vendorId === YUBICO_VENDOR_ID && d.usagePage === 0x01 && d.usage === 0x06) return 'OTP';
  return null;
}

/** A YubiKey's series from its product id and firmware major version (bcdDevice, e.g. 0x0543 for 5.4.3). */
function yubikeyModel(d: HidDevice): string {
  const known = YUBICO_PRODUCTS[d.productId];
  if (!known) return d.product?.trim() || 'YubiKey';
  if (known.series !== 'YubiKey') return known.series;
  const major = ((d.release ?? 0) >> 8) & 0x0f;
  return major >= 4 && major <= 5 ? `YubiKey ${major}` : 'YubiKey';
}

function isSecurityKey(d: HidDevice): boolean {
  return d.vendorId === YUBICO_VENDOR_ID || d.usagePage === FIDO_USAGE_PAGE;
}

/**
 * Turns a node-hid device list into physical security keys. One key shows up as one HID entry per
 * interface; entries group by vendor, product and serial, and N identical keys without a serial show
 * up as N entries of each interface.
 */
export function securityKeysFrom(devices: readonly HidDevice[]): SecurityKey[] {
  const groups = new Map<string, HidDevice[]>();
  for (const d of devices.filter(isSecurityKey)) {
    const key = `${d.vendorId}:${d.productId}:${d.serialNumber ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const keys: SecurityKey[] = [];
  for (const entries of groups.values()) {
    const first = entries[0]!;
    const perInterface = new Map<string, number>();
    for (const e of entries) {
      const i = interfaceOf(e) ?? `#${e.interface ?? e.path ?? ''}`;
      perInterface.set(i, (perInterface.get(i) ?? 0) + 1);
    }
    const count = Math.max(...perInterface.values());
    const visible = [...perInterface.keys()].filter((i) => !i.startsWith('#'));
    const declared =
      first.vendorId === YUBICO_VENDOR_ID ? (YUBICO_PRODUCTS[first.productId]?.interfaces ?? []) : [];
    const interfaces = INTERFACE_ORDER.filter((i) => visible.includes(i) || declared.includes(i));
    const key: SecurityKey = {
      vendor: (VENDOR_NAMES[first.vendorId] ?? first.manufacturer?.trim()) || 'unknown',
      product:
        (first.vendorId === YUBICO_VENDOR_ID ? yubikeyModel(first) : first.product?.trim()) ||
        'FIDO security key',
      vendorId: first.vendorId,
      productId: first.productId,
      interfaces,
    };
    for (let n = 0; n < count; n++) keys.push({ ...key, interfaces: [...interfaces] });
  }
  return keys.sort((a, b) => a.vendorId - b.vendorId || a.productId - b.productId).slice(0, 16);
}
