import type { Capability, ConfigFrame, ObservationData } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import type { Collector } from './collector.js';
import { type CollectorSet, capabilitiesOf, Planner } from './plan.js';

const fake = (name: string, capability?: () => Promise<Capability>): Collector => ({
  name,
  capability: capability ?? (async () => ({ name, available: true })),
  collect: async (): Promise<ObservationData[]> => [],
});
const set: CollectorSet = {
  identity: fake('identity'),
  vpn: fake('vpn'),
  securityKey: fake('securityKey'),
  health: fake('health'),
  probe: (p) => fake(`probe:${p.id}`),
};
const config = (probes: ConfigFrame['probes']): ConfigFrame => ({
  type: 'config',
  version: 1,
  probes,
  intervals: { healthSec: 60, vpnSec: 2, securityKeySec: 2 },
});

describe('planner', () => {
  it('gives probes their own timeout plus a margin and 10 % jitter unless the config says otherwise', () => {
    const plan = new Planner(set).plan(
      config([
        { id: 'ewo', app: 'EWO', kind: 'http', target: 'https://ewo/', intervalSec: 60, timeoutMs: 5000 },
        {
          id: 'gis',
          app: 'GIS',
          kind: 'tcp',
          target: 'gis:5432',
          intervalSec: 30,
          timeoutMs: 3000,
          jitter: 0,
        },
      ]),
    );
    expect(plan.map((s) => [s.collector.name, s.intervalMs, s.timeoutMs, s.jitter])).toEqual([
      ['identity', 600_000, 30_000, undefined],
      ['vpn', 2000, 20_000, undefined],
      ['securityKey', 2000, undefined, undefined],
      ['health', 60_000, undefined, undefined],
      ['probe:ewo', 60_000, 7000, 0.1],
      ['probe:gis', 30_000, 5000, 0],
    ]);
  });
});

describe('capabilities', () => {
  it('count a capability check that throws or hangs as unavailable, with the reason', async () => {
    const caps = await capabilitiesOf(
      [
        fake('vpn'),
        fake('securityKey', () => Promise.reject(new Error('HID kaputt'))),
        fake('health', () => new Promise(() => {})),
      ],
      50,
    );
    expect(caps).toEqual([
      { name: 'vpn', available: true },
      { name: 'securityKey', available: false, reason: 'HID kaputt' },
      { name: 'health', available: false, reason: 'no result within 50 ms; run abandoned' },
      { name: 'probes', available: true },
    ]);
  });
});
