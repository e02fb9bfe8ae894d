import { YUBICO_VENDOR_ID } from './yubikey-models.js';

/** HID usage page of the FIDO Alliance (CTAP HID): every FIDO U2F / FIDO2 key exposes it. */
export const FIDO_USAGE_PAGE = 0xf1d0;

const hex = (n: number) => n.toString(16).padStart(4, '0');

/**
 * USB vendor ids that belong to one maker of FIDO keys, so the id names the brand. Source: Yubico libfido2
 * `udev/fidodevs` (vendor list), plus 0x08e6 registered to Gemalto (now Thales) in linux-usb.org usb.ids.
 * Shared ids (0x0483 STMicroelectronics, 0x1209 pid.codes, 0x1d50 OpenMoko, 0x20a0 Clay Logic, used by
 * Nitrokey but also by CanoKey and others) are left out: there the key's own manufacturer string decides.
 */
const BRAND_VENDORS: ReadonlyMap<number, string> = new Map([
  [0x08e6, 'Thales'],
  [0x096e, 'Feitian'],
  [YUBICO_VENDOR_ID, 'Yubico'],
  [0x18d1, 'Google'],
  [0x1a44, 'OneSpan'],
  [0x1e0d, 'NEOWAVE'],
  [0x1ea8, 'Excelsecu'],
  [0x2c97, 'Ledger'],
  [0x2ccf, 'Hypersecu'],
  [0x311f, 'eWBM'],
  [0x32a3, 'GoTrust'],
  [0x349e, 'Token2'],
  [0x534c, 'SatoshiLabs'],
]);

/** Known FIDO products as vendor:product (hex). Source: libfido2 `udev/fidodevs`; SoloKeys 0483:a2ca from fwupd's solokey plugin. */
const PRODUCTS: ReadonlyMap<string, { vendor: string; model: string }> = new Map([
  ['0483:a2ca', { vendor: 'SoloKeys', model: 'Solo' }],
  ['1209:5070', { vendor: 'SoloKeys', model: 'Solo Hacker' }],
  ['1209:beee', { vendor: 'SoloKeys', model: 'Solo 2' }],
  ['096e:0850', { vendor: 'Feitian', model: 'ePass FIDO' }],
  ['096e:085a', { vendor: 'Feitian', model: 'MultiPass FIDO U2F' }],
  ['096e:0866', { vendor: 'Feitian', model: 'BioPass FIDO2 K33' }],
  ['096e:0867', { vendor: 'Feitian', model: 'BioPass FIDO2 K43' }],
  ['18d1:5026', { vendor: 'Google', model: 'Titan Security Key' }],
  ['1d50:60fc', { vendor: 'OnlyKey', model: 'OnlyKey' }],
  ['20a0:4287', { vendor: 'Nitrokey', model: 'Nitrokey FIDO U2F' }],
  ['20a0:42b1', { vendor: 'Nitrokey', model: 'Nitrokey FIDO2' }],
  ['20a0:42b2', { vendor: 'Nitrokey', model: 'Nitrokey 3' }],
  ['20a0:42d4', { vendor: 'CanoKeys', model: 'CanoKey' }],
  ['1a44:00bb', { vendor: 'OneSpan', model: 'SecureClick' }],
  ['32a3:3201', { vendor: 'GoTrust', model: 'Idem Key' }],
]);

/** Brand and, when known, model of a FIDO key that is not a YubiKey. */
export function fidoKeyMaker(
  vendorId: number,
  productId: number,
  manufacturer?: string,
): { vendor: string; model?: string } {
  const known = PRODUCTS.get(`${hex(vendorId)}:${hex(productId)}`);
  if (known) return known;
  const vendor = BRAND_VENDORS.get(vendorId) ?? (manufacturer?.trim() || `USB vendor 0x${hex(vendorId)}`);
  return { vendor };
}
