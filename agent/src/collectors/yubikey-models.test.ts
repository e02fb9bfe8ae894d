import { describe, expect, it } from 'vitest';
import { yubicoModel } from './yubikey-models.js';

describe('YubiKey model from the USB product id', () => {
  it('names the YubiKey 5 and its enabled interfaces from the id and the firmware version', () => {
    expect(yubicoModel(0x0407, 0x0543, 'YubiKey OTP+FIDO+CCID')).toEqual({
      family: 'YubiKey 5',
      interfaces: ['OTP', 'FIDO', 'CCID'],
      model: 'YubiKey 5 (OTP+FIDO+CCID)',
    });
    expect(yubicoModel(0x0406, 0x0571).model).toBe('YubiKey 5 (FIDO+CCID)');
    expect(yubicoModel(0x0405, 0x0543).model).toBe('YubiKey 5 (OTP+CCID)');
    expect(yubicoModel(0x0403, 0x0543).model).toBe('YubiKey 5 (OTP+FIDO)');
    expect(yubicoModel(0x0401, 0x0543).model).toBe('YubiKey 5 (OTP)');
    expect(yubicoModel(0x0404, 0x0543).model).toBe('YubiKey 5 (CCID)');
  });

  it('tells a YubiKey 4 from a 5 by the firmware major version, and says 4/5 when it is unknown', () => {
    expect(yubicoModel(0x0407, 0x0437).model).toBe('YubiKey 4 (OTP+FIDO+CCID)');
    expect(yubicoModel(0x0407).model).toBe('YubiKey 4/5 (OTP+FIDO+CCID)');
  });

  it('names the older platforms', () => {
    expect(yubicoModel(0x0010).model).toBe('YubiKey Standard (OTP)');
    expect(yubicoModel(0x0110).model).toBe('YubiKey NEO (OTP)');
    expect(yubicoModel(0x0111).model).toBe('YubiKey NEO (OTP+CCID)');
    expect(yubicoModel(0x0116, 0x0344).model).toBe('YubiKey NEO (OTP+FIDO+CCID)');
    expect(yubicoModel(0x0410).model).toBe('YubiKey Plus (OTP+FIDO)');
    expect(yubicoModel(0x0200).model).toBe('Gnubby (FIDO)');
  });

  it('names the Security Key by Yubico, also on the YubiKey 5 platform when its product string says so', () => {
    expect(yubicoModel(0x0120, 0x0512).model).toBe('Security Key by Yubico (FIDO)');
    expect(yubicoModel(0x0402, 0x0571, 'Security Key NFC by Yubico').model).toBe(
      'Security Key by Yubico (FIDO)',
    );
    expect(yubicoModel(0x0402, 0x0571, 'YubiKey FIDO').model).toBe('YubiKey 5 (FIDO)');
  });

  it('falls back to the product string for an id it does not know, without guessing interfaces', () => {
    expect(yubicoModel(0x0999, 0x0600, 'YubiKey Bio')).toEqual({
      family: 'YubiKey Bio',
      interfaces: [],
      model: 'YubiKey Bio',
    });
  });
});
