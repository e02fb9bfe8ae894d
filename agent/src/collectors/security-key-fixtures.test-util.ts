import { readFileSync } from 'node:fs';
import type { UsbDevice } from '../si.js';
import type { HidDevice } from './security-key-detect.js';

/** The parts of a `lagebild-raw/1` security-key fixture the tests read. */
export interface KeyFixture {
  description: string;
  platform: string;
  hid: HidDevice[];
  si: { usb: UsbDevice[] };
}

/** Reads `agent/fixtures/security-keys/<name>.json`: recorded node-hid and USB lists of one notebook. */
export function keyFixture(name: string): KeyFixture {
  const url = new URL(`../../fixtures/security-keys/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as KeyFixture;
}
