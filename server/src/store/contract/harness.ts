import { createHash } from 'node:crypto';
import type { DeviceEvent, DeviceSummary } from '@lagebild/shared';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Store } from '../store.js';
import { T0 } from './observations.js';

/** A store opened for one test and how to throw it away afterwards. */
export interface OpenedStore {
  store: Store;
  cleanup(): Promise<void>;
}

export type OpenStore = () => Promise<OpenedStore>;

/** The store of the running test (a fresh, empty one per test). */
export interface StoreRef {
  readonly store: Store;
}

/**
 * Opens a fresh store before each test of the enclosing describe and cleans it up after; with
 * `'shared'` one store serves all its tests (for read-only queries over one loaded data set).
 */
export function useStore(open: OpenStore, scope: 'each' | 'shared' = 'each'): StoreRef {
  let opened: OpenedStore | undefined;
  const before = async () => {
    opened = await open();
  };
  const after = async () => {
    const o = opened;
    opened = undefined;
    await o?.cleanup();
  };
  if (scope === 'each') {
    beforeEach(before);
    afterEach(after);
  } else {
    beforeAll(before);
    afterAll(after);
  }
  return {
    get store(): Store {
      if (!opened) throw new Error('no store open outside a test');
      return opened.store;
    },
  };
}

/** SHA-256 hex, as enrollment stores tokens and secrets. */
export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A device id in the server's format: `dev_` and 16 hex digits. */
export const deviceId = (n: number) => `dev_${n.toString(16).padStart(16, '0')}`;

/** Enrolls device number `n` (hardware id `hw-n`) and returns its id. */
export async function enrollDevice(
  store: Store,
  n: number,
  hostname = `NB-${String(n).padStart(4, '0')}`,
  now = T0,
): Promise<string> {
  const r = await store.enrollDevice({
    newDeviceId: deviceId(n),
    hardwareId: `hw-${n}`,
    hostname,
    tokenHash: sha256(`token-${n}`),
    now,
  });
  return r.deviceId;
}

/** What a device that enrolled and never reported shows. */
export function freshSummary(id: string, hostname: string): DeviceSummary {
  return {
    id,
    hostname,
    serial: '',
    os: null,
    osVersion: null,
    agentVersion: null,
    online: false,
    lastSeen: null,
    vpn: { state: 'unknown', vendor: null, gateway: null, since: null },
    securityKey: { present: null, model: null },
    site: null,
    orgUnit: null,
  };
}

/** The device's events, newest first (at most `limit`). */
export async function eventsOf(store: Store, id: string, limit = 100): Promise<DeviceEvent[]> {
  const detail = await store.deviceDetail(id, limit);
  if (!detail) throw new Error(`device ${id} not found`);
  return detail.events;
}

/** Folds every waiting raw sample (however many calls that takes); returns how many were folded. */
export async function rollupAll(store: Store): Promise<number> {
  let folded = 0;
  for (let calls = 0; calls < 1000; calls++) {
    const r = await store.rollup();
    folded += r.samples;
    if (r.caughtUp) return folded;
  }
  throw new Error('rollup never caught up');
}
