/** Yubico's USB vendor id. */
export const YUBICO_VENDOR_ID = 0x1050;

/** The USB interfaces a YubiKey can enable; CCID is a smart-card reader, not HID, so only the product id tells it. */
export type KeyInterface = 'OTP' | 'FIDO' | 'CCID';

export const INTERFACE_ORDER: readonly KeyInterface[] = ['OTP', 'FIDO', 'CCID'];

interface YubicoProduct {
  family: string;
  interfaces: KeyInterface[];
}

const p = (family: string, ...interfaces: KeyInterface[]): YubicoProduct => ({ family, interfaces });

/** The 0x04xx ids are shared by the YubiKey 4 and 5 series; the firmware version (bcdDevice) tells them apart. */
const YK45 = 'YubiKey 4/5';

/**
 * Yubico's USB product ids: the id names the platform and the enabled USB interfaces, so it changes when
 * interfaces are switched on or off. Sources: Yubico yubikey-manager `yubikit/core/__init__.py` (enum PID:
 * YKS_OTP 0x0010, NEO_* 0x0110–0x0116, SKY_FIDO 0x0120, YK4_* 0x0401–0x0407, YKP_OTP_FIDO 0x0410), Yubico
 * yubikey-personalization `ykcore/ykdef.h` (same ids, "Yubikey 4 - OTP, U2F and CCID"), Yubico libfido2
 * `udev/fidodevs` (FIDO-capable ids, incl. 0x0121 listed without a name and 0x0200 "Gnubby U2F").
 *
 * Not in the USB id, so not reported: the form factor (5 NFC, 5C, Nano, Ci, Bio) and whether a 0x0402 key
 * is a YubiKey 5 with only FIDO enabled or a Security Key (NFC / C NFC) of the same platform — ykman reads
 * both from the key's management application, which needs exclusive access to the key.
 */
const YUBICO_PRODUCTS: ReadonlyMap<number, YubicoProduct> = new Map([
  [0x0010, p('YubiKey Standard', 'OTP')],
  [0x0110, p('YubiKey NEO', 'OTP')],
  [0x0111, p('YubiKey NEO', 'OTP', 'CCID')],
  [0x0112, p('YubiKey NEO', 'CCID')],
  [0x0113, p('YubiKey NEO', 'FIDO')],
  [0x0114, p('YubiKey NEO', 'OTP', 'FIDO')],
  [0x0115, p('YubiKey NEO', 'FIDO', 'CCID')],
  [0x0116, p('YubiKey NEO', 'OTP', 'FIDO', 'CCID')],
  [0x0120, p('Security Key by Yubico', 'FIDO')],
  [0x0121, p('Yubico FIDO key', 'FIDO')],
  [0x0200, p('Gnubby', 'FIDO')],
  [0x0401, p(YK45, 'OTP')],
  [0x0402, p(YK45, 'FIDO')],
  [0x0403, p(YK45, 'OTP', 'FIDO')],
  [0x0404, p(YK45, 'CCID')],
  [0x0405, p(YK45, 'OTP', 'CCID')],
  [0x0406, p(YK45, 'FIDO', 'CCID')],
  [0x0407, p(YK45, 'OTP', 'FIDO', 'CCID')],
  [0x0410, p('YubiKey Plus', 'OTP', 'FIDO')],
]);

/** What the USB ids of a Yubico device say about it. */
export interface YubicoModel {
  /** e.g. "YubiKey 5", "YubiKey NEO", "Security Key by Yubico" */
  family: string;
  /** enabled USB interfaces, e.g. ["OTP", "FIDO", "CCID"]; empty for an unknown product id */
  interfaces: KeyInterface[];
  /** family and interfaces, e.g. "YubiKey 5 (OTP+FIDO+CCID)" */
  model: string;
}

/**
 * Model family and enabled interfaces of a Yubico device from its product id, its bcdDevice (`release`,
 * e.g. 0x0543 for firmware 5.4.3) and its USB product string.
 */
export function yubicoModel(productId: number, release?: number, productString?: string): YubicoModel {
  const known = YUBICO_PRODUCTS.get(productId);
  if (!known) {
    const family = productString?.trim() || 'YubiKey';
    return { family, interfaces: [], model: family };
  }
  let family = known.family;
  if (family === YK45) {
    const major = ((release ?? 0) >> 8) & 0xff;
    // a Security Key of the 5 platform may say so in its product string; the id alone cannot
    if (/security key/i.test(productString ?? '')) family = 'Security Key by Yubico';
    else if (major === 4 || major === 5) family = `YubiKey ${major}`;
  }
  return { family, interfaces: [...known.interfaces], model: `${family} (${known.interfaces.join('+')})` };
}
