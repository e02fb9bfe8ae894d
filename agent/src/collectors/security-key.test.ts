import { describe, expect, it } from 'vitest';
import { type HidLoader, SecurityKeyCollector } from './security-key.js';
import { type HidDevice, securityKeysFrom } from './security-key-detect.js';

// A YubiKey 5 NFC (firmware 5.4.3) in OTP+FIDO+CCID mode as hidraw on Linux lists two HID interfaces.
const YK5_FIDO: HidDevice = {
  vendorId: 0x1050,
  productId: 0x0407,
  path: '/dev/hidraw3',
  manufacturer: 'Yubico',
  product: 'YubiKey OTP+FIDO+CCID',
  release: 0x0543,
  interface: 1,
  usagePage: 0xf1d0,
  usage: 1,
};
const YK5_OTP: HidDevice = { ...YK5_FIDO, path: '/dev/hidraw2', interface: 0, usagePage: 0x01, usage: 0x06 };
const SECURITY_KEY: HidDevice = {
  vendorId: 0x1050,
  productId: 0x0120,
  path: '/dev/hidraw5',
  product: 'Security Key by Yubico',
  release: 0x0512,
  interface: 0,
  usagePage: 0xf1d0,
  usage: 1,
};
const NITROKEY: HidDevice = {
  vendorId: 0x20a0,
  productId: 0x42b1,
  path: '/dev/hidraw7',
  manufacturer: 'Nitrokey',
  product: 'Nitrokey 3',
  interface: 1,
  usagePage: 0xf1d0,
  usage: 1,
};
const KEYBOARD: HidDevice = {
  vendorId: 0x046d,
  productId: 0xc31c,
  product: 'USB Keyboard',
  usagePage: 1,
  usage: 6,
};
const MOUSE: HidDevice = {
  vendorId: 0x046d,
  productId: 0xc077,
  product: 'USB Optical Mouse',
  usagePage: 1,
  usage: 2,
};

describe('security key detection', () => {
  it('groups the interfaces of one YubiKey into one key with its model', () => {
    expect(securityKeysFrom([KEYBOARD, YK5_OTP, MOUSE, YK5_FIDO])).toEqual([
      {
        vendor: 'Yubico',
        product: 'YubiKey 5',
        vendorId: 0x1050,
        productId: 0x0407,
        interfaces: ['OTP', 'FIDO', 'CCID'],
      },
    ]);
  });

  it('names the Security Key by Yubico and other FIDO keys by their vendor', () => {
    expect(securityKeysFrom([NITROKEY, SECURITY_KEY])).toEqual([
      {
        vendor: 'Yubico',
        product: 'Security Key by Yubico',
        vendorId: 0x1050,
        productId: 0x0120,
        interfaces: ['FIDO'],
      },
      {
        vendor: 'Nitrokey',
        product: 'Nitrokey 3',
        vendorId: 0x20a0,
        productId: 0x42b1,
        interfaces: ['FIDO'],
      },
    ]);
  });

  it('counts two identical keys without serial numbers as two keys', () => {
    const second = [
      { ...YK5_FIDO, path: '/dev/hidraw9' },
      { ...YK5_OTP, path: '/dev/hidraw8' },
    ];
    expect(securityKeysFrom([YK5_FIDO, YK5_OTP, ...second])).toHaveLength(2);
  });

  it('keeps keys with different serial numbers apart', () => {
    const a = { ...SECURITY_KEY, serialNumber: 'A' };
    const b = { ...SECURITY_KEY, serialNumber: 'B', path: '/dev/hidraw6' };
    expect(securityKeysFrom([a, b])).toHaveLength(2);
  });

  it('ignores keyboards and mice', () => {
    expect(securityKeysFrom([KEYBOARD, MOUSE])).toEqual([]);
  });
});

function fakeHid(initial: HidDevice[]) {
  let list = initial;
  let now = 0;
  const loader: HidLoader = async () => ({ devicesAsync: async () => list });
  const collector = new SecurityKeyCollector({ loadHid: loader, now: () => now });
  return {
    collector,
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
    const t = fakeHid([YK5_FIDO, YK5_OTP]);
    expect(await t.collector.collect()).toMatchObject([{ available: true, present: true, change: false }]);
    t.tick(2000);
    t.set([KEYBOARD]);
    expect(await t.collector.collect()).toEqual([
      { kind: 'securityKey', change: true, available: true, present: false, keys: [] },
    ]);
    t.tick(2000);
    t.set([YK5_FIDO, YK5_OTP]);
    expect(await t.collector.collect()).toMatchObject([
      { change: true, present: true, keys: [{ product: 'YubiKey 5' }] },
    ]);
  });

  it('stays quiet while nothing changes and sends a heartbeat after a minute', async () => {
    const t = fakeHid([SECURITY_KEY]);
    await t.collector.collect();
    t.tick(30_000);
    expect(await t.collector.collect()).toEqual([]);
    t.tick(30_000);
    expect(await t.collector.collect()).toMatchObject([{ change: false, present: true }]);
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
});
