import type { SecurityKeyData } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../scheduler.js';
import type { UsbDevice } from '../si.js';
import { type HidLoader, SecurityKeyCollector } from './security-key.js';
import { type HidDevice, securityKeysFrom, withUsbSerials } from './security-key-detect.js';
import { keyFixture } from './security-key-fixtures.test-util.js';

const yk5 = keyFixture('linux-yubikey5-nfc');
const twoKeys = keyFixture('windows-two-yubikeys');
const mac = keyFixture('macos-neo-and-security-key');
const others = keyFixture('linux-other-fido-keys');
const noKeys = keyFixture('linux-no-keys');

describe('security key detection from recorded HID lists', () => {
  it('makes one YubiKey 5 out of its OTP and FIDO entries, with the CCID interface its product id enables', () => {
    expect(securityKeysFrom(yk5.hid)).toEqual([
      {
        vendor: 'Yubico',
        product: 'YubiKey 5',
        model: 'YubiKey 5 (OTP+FIDO+CCID)',
        vendorId: 0x1050,
        productId: 0x0407,
        interfaces: ['OTP', 'FIDO', 'CCID'],
      },
    ]);
  });

  it('tells two YubiKeys with different interfaces and firmware apart on Windows', () => {
    expect(securityKeysFrom(twoKeys.hid).map((k) => k.model)).toEqual([
      'YubiKey 5 (FIDO+CCID)',
      'YubiKey 5 (OTP+FIDO+CCID)',
    ]);
  });

  it('names a YubiKey NEO and a Security Key by Yubico on macOS, not the Apple keyboard', () => {
    expect(securityKeysFrom(mac.hid)).toMatchObject([
      { product: 'YubiKey NEO', model: 'YubiKey NEO (OTP+FIDO+CCID)', interfaces: ['OTP', 'FIDO', 'CCID'] },
      { product: 'Security Key by Yubico', model: 'Security Key by Yubico (FIDO)', interfaces: ['FIDO'] },
    ]);
  });

  it('recognises FIDO keys of other makers by the FIDO usage page and names their maker', () => {
    expect(securityKeysFrom(others.hid)).toEqual([
      {
        vendor: 'Feitian',
        product: 'ePass FIDO',
        model: 'ePass FIDO',
        vendorId: 0x096e,
        productId: 0x0850,
        interfaces: ['FIDO'],
      },
      {
        vendor: 'SoloKeys',
        product: 'Solo 2 Security Key',
        model: 'Solo 2',
        vendorId: 0x1209,
        productId: 0xbeee,
        interfaces: ['FIDO'],
        serial: '9C4F2A0E51D3B7A1',
      },
      {
        vendor: 'Google',
        product: 'Titan Security Key',
        model: 'Titan Security Key',
        vendorId: 0x18d1,
        productId: 0x5026,
        interfaces: ['FIDO'],
      },
      {
        vendor: 'Nitrokey',
        product: 'Nitrokey 3',
        model: 'Nitrokey 3',
        vendorId: 0x20a0,
        productId: 0x42b2,
        interfaces: ['FIDO'],
      },
    ]);
  });

  it('takes the maker from the manufacturer string when the vendor id is shared or unknown', () => {
    const canokey: HidDevice = {
      vendorId: 0x20a0,
      productId: 0x42d5,
      manufacturer: 'canokeys.org',
      product: 'CanoKey Pigeon',
      usagePage: 0xf1d0,
      usage: 1,
    };
    expect(securityKeysFrom([canokey])).toMatchObject([
      { vendor: 'canokeys.org', product: 'CanoKey Pigeon' },
    ]);
  });

  it('counts no keyboard, mouse, headset, webcam or power supply as a key', () => {
    expect(securityKeysFrom(noKeys.hid)).toEqual([]);
  });

  it('counts two identical keys without serial numbers as two keys', () => {
    const second = yk5.hid.map((d) => ({ ...d, path: `${d.path}-second` }));
    const keys = securityKeysFrom([...yk5.hid, ...second]);
    expect(keys.map((k) => k.model)).toEqual(['YubiKey 5 (OTP+FIDO+CCID)', 'YubiKey 5 (OTP+FIDO+CCID)']);
  });

  it('keeps keys with different serial numbers apart and reports the serials', () => {
    const fido = mac.hid.find((d) => d.productId === 0x0120)!;
    const keys = securityKeysFrom([
      { ...fido, serialNumber: 'B' },
      { ...fido, serialNumber: 'A', path: 'other' },
    ]);
    expect(keys.map((k) => k.serial)).toEqual(['A', 'B']);
  });
});

describe('serial numbers from the USB device list', () => {
  it('adds the serial a key publishes on USB when node-hid did not give it (Windows instance id)', () => {
    const keys = withUsbSerials(securityKeysFrom(twoKeys.hid), twoKeys.si.usb);
    expect(keys.map((k) => [k.model, k.serial])).toEqual([
      ['YubiKey 5 (FIDO+CCID)', '16021303'],
      ['YubiKey 5 (OTP+FIDO+CCID)', undefined],
    ]);
  });

  it('adds a serial from lsusb on Linux and ignores devices without one', () => {
    const usb: UsbDevice[] = [{ id: '1050:0407', name: 'Yubikey 4/5 OTP+U2F+CCID', serialNumber: '9681620' }];
    expect(withUsbSerials(securityKeysFrom(yk5.hid), usb)[0]?.serial).toBe('9681620');
    expect(withUsbSerials(securityKeysFrom(yk5.hid), yk5.si.usb)[0]?.serial).toBeUndefined();
  });
});

/** A collector over a HID list the test can change, with a controllable clock and USB list. */
function fakeHid(initial: HidDevice[], usb: () => Promise<UsbDevice[]> = async () => []) {
  let list = initial;
  let now = 0;
  let usbReads = 0;
  const loader: HidLoader = async () => ({ devicesAsync: async () => list });
  const collector = new SecurityKeyCollector({
    loadHid: loader,
    now: () => now,
    si: {
      usb: () => {
        usbReads++;
        return usb();
      },
    },
    usbTimeoutMs: 50,
  });
  return {
    collector,
    usbReads: () => usbReads,
    set: (l: HidDevice[]) => {
      list = l;
    },
    tick: (ms: number) => {
      now += ms;
    },
  };
}

describe('security key collector', () => {
  it('reports presence at once and a change when a key is removed and inserted', async () => {
    const t = fakeHid(yk5.hid);
    expect(await t.collector.collect()).toMatchObject([{ available: true, present: true, change: false }]);
    t.tick(2000);
    t.set(noKeys.hid);
    expect(await t.collector.collect()).toEqual([
      { kind: 'securityKey', change: true, available: true, present: false, keys: [] },
    ]);
    t.tick(2000);
    t.set(yk5.hid);
    expect(await t.collector.collect()).toMatchObject([
      { change: true, present: true, keys: [{ model: 'YubiKey 5 (OTP+FIDO+CCID)' }] },
    ]);
  });

  it('stays quiet while nothing changes and sends a heartbeat after a minute', async () => {
    const t = fakeHid(mac.hid);
    await t.collector.collect();
    t.tick(30_000);
    expect(await t.collector.collect()).toEqual([]);
    t.tick(30_000);
    expect(await t.collector.collect()).toMatchObject([{ change: false, present: true }]);
  });

  it('reads the USB list once per set of keys, not on every poll, and never without a key', async () => {
    const t = fakeHid(noKeys.hid, async () => twoKeys.si.usb);
    await t.collector.collect();
    expect(t.usbReads()).toBe(0);
    t.set(twoKeys.hid);
    for (let i = 0; i < 5; i++) {
      t.tick(2000);
      await t.collector.collect();
    }
    expect(t.usbReads()).toBe(1);
    expect(await t.collector.collect({ force: true })).toMatchObject([
      { keys: [{ serial: '16021303' }, { model: 'YubiKey 5 (OTP+FIDO+CCID)' }] },
    ]);
  });

  it('reports an inserted key without waiting for a USB list that hangs', async () => {
    const t = fakeHid(noKeys.hid, () => new Promise(() => {}));
    await t.collector.collect();
    t.set(yk5.hid);
    const started = performance.now();
    expect(await t.collector.collect()).toMatchObject([{ change: true, present: true }]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reports itself unavailable with the reason when node-hid cannot load, without throwing', async () => {
    const broken: HidLoader = async () => {
      throw new Error('libusb-1.0.so.0: cannot open shared object file');
    };
    const collector = new SecurityKeyCollector({ loadHid: broken });
    expect(await collector.capability()).toEqual({
      name: 'securityKey',
      available: false,
      reason: 'libusb-1.0.so.0: cannot open shared object file',
    });
    expect(await collector.collect()).toEqual([
      {
        kind: 'securityKey',
        change: false,
        available: false,
        reason: 'libusb-1.0.so.0: cannot open shared object file',
        present: false,
        keys: [],
      },
    ]);
  });

  it('loads node-hid only once', async () => {
    let loads = 0;
    const collector = new SecurityKeyCollector({
      loadHid: async () => {
        loads++;
        return { devicesAsync: async () => [] };
      },
    });
    await collector.capability();
    await collector.collect();
    await collector.collect({ force: true });
    expect(loads).toBe(1);
  });

  it('delivers a removal and an insertion within 2 s when polled every second', async () => {
    let list: HidDevice[] = yk5.hid;
    const collector = new SecurityKeyCollector({ loadHid: async () => ({ devicesAsync: async () => list }) });
    const changes: { at: number; data: SecurityKeyData }[] = [];
    const scheduler = new Scheduler({
      sink: (items) => {
        for (const i of items) {
          if (i.data.kind === 'securityKey' && i.data.change)
            changes.push({ at: performance.now(), data: i.data });
        }
      },
    });
    scheduler.configure([{ collector, intervalMs: 1000 }]);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const removedAt = performance.now();
      list = noKeys.hid;
      await new Promise((r) => setTimeout(r, 1500));
      const insertedAt = performance.now();
      list = yk5.hid;
      await new Promise((r) => setTimeout(r, 1500));
      expect(changes.map((c) => c.data.present)).toEqual([false, true]);
      expect(changes[0]!.at - removedAt).toBeLessThan(2000);
      expect(changes[1]!.at - insertedAt).toBeLessThan(2000);
    } finally {
      await scheduler.stop();
    }
  });
});
