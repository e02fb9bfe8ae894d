import type { Capability, ObservationData } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import type { Collector } from './collector.js';
import type { CollectorSet } from './plan.js';
import { formatSnapshot, takeSnapshot } from './snapshot.js';

const collector = (name: string, collect: () => Promise<ObservationData[]>): Collector => ({
  name,
  capability: async (): Promise<Capability> => ({ name, available: true }),
  collect,
});

describe('snapshot with a broken collector', () => {
  it('reports a collector that throws or hangs as collector-failed, and still shows the others', async () => {
    const set: CollectorSet = {
      identity: collector('identity', async () => {
        throw new Error('WMI antwortet nicht');
      }),
      vpn: collector('vpn', () => new Promise(() => {})),
      securityKey: {
        ...collector('securityKey', async () => []),
        capability: () => new Promise(() => {}),
      },
      health: collector('health', async () => [
        { kind: 'health', cpuPct: 5, memPct: 40, link: 'ethernet', uptimeSec: 60 },
      ]),
      probe: () => collector('probe:x', async () => []),
    };
    const errors: string[] = [];
    const started = Date.now();
    const snap = await takeSnapshot(set, [], (name) => errors.push(name), 100);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(snap.observations).toEqual([
      { kind: 'agent', event: 'collector-failed', collector: 'identity', detail: 'WMI antwortet nicht' },
      {
        kind: 'agent',
        event: 'collector-failed',
        collector: 'vpn',
        detail: 'no result within 100 ms; run abandoned',
      },
      { kind: 'health', cpuPct: 5, memPct: 40, link: 'ethernet', uptimeSec: 60 },
    ]);
    expect(errors).toEqual(['identity', 'vpn']);
    expect(snap.capabilities.find((c) => c.name === 'securityKey')).toEqual({
      name: 'securityKey',
      available: false,
      reason: 'no result within 100 ms; run abandoned',
    });
    expect(formatSnapshot(snap)).toContain('Messfehler:   identity: WMI antwortet nicht');
  });
});

describe('German snapshot summary', () => {
  it('tells VPN, key, health and Fachverfahren in plain words', () => {
    const text = formatSnapshot({
      capabilities: [],
      observations: [
        {
          kind: 'vpn',
          change: false,
          state: 'degraded',
          vendor: 'GlobalProtect',
          interface: 'gpd0',
          addresses: ['10.12.0.5'],
          since: 1,
          gatewayRttMs: null,
        },
        {
          kind: 'securityKey',
          change: false,
          available: true,
          present: true,
          keys: [
            {
              vendor: 'Yubico',
              product: 'YubiKey 5',
              vendorId: 0x1050,
              productId: 0x0407,
              interfaces: ['OTP', 'FIDO', 'CCID'],
            },
          ],
        },
        {
          kind: 'health',
          cpuPct: 91.2,
          memPct: 80,
          link: 'wifi',
          wifiSignalPct: 35,
          batteryPct: 12,
          onAc: false,
          uptimeSec: 3 * 86_400,
        },
        {
          kind: 'probe',
          probeId: 'ewo',
          app: 'Einwohnerwesen',
          probeKind: 'http',
          target: 'https://ewo/',
          ok: false,
          errorClass: 'timeout',
          errorMessage: 'no complete answer within 5000 ms',
          phases: { totalMs: 5000 },
        },
      ],
    });
    expect(text).toContain('VPN:          eingeschränkt: GlobalProtect über gpd0 (10.12.0.5)');
    expect(text).toContain('Yubico YubiKey 5 (OTP, FIDO, CCID)');
    expect(text).toContain('CPU 91 %');
    expect(text).toContain('Akku 12 %');
    expect(text).toContain('Netz: WLAN (Signal 35 %)');
    expect(text).toContain('läuft seit 3 Tagen');
    expect(text).toContain('Einwohnerwesen (https://ewo/): FEHLER timeout');
  });

  it('explains a degraded tunnel and names the hosts that bypass it', () => {
    const text = formatSnapshot({
      capabilities: [],
      observations: [
        {
          kind: 'vpn',
          change: false,
          state: 'degraded',
          vendor: 'Cisco Secure Client',
          interface: 'cscotun0',
          addresses: ['10.30.7.44'],
          since: 0,
          gatewayReachable: false,
          routes: [
            { host: 'ewo.stadt.local', viaTunnel: true, interface: 'cscotun0' },
            { host: 'bauportal.example', viaTunnel: false, interface: 'wlan0' },
          ],
        },
        {
          kind: 'health',
          cpuPct: 5,
          memPct: 40,
          link: 'wifi',
          wifiSignalPct: 30,
          wifiSignalDbm: -78,
          uptimeSec: 600,
          clockOffsetMs: 4200,
        },
      ],
    });
    expect(text).toContain('Prüfadresse im Stadtnetz antwortet nicht');
    expect(text).toContain('nicht durch den Tunnel geleitet: bauportal.example');
    expect(text).not.toContain('ewo.stadt.local');
    expect(text).toContain('WLAN (Signal 30 %, -78 dBm)');
    expect(text).toContain('Uhr weicht 4.200 ms vom Server ab');
  });

  it('says when the notebook cannot see USB keys, and why', () => {
    const text = formatSnapshot({
      capabilities: [],
      observations: [
        {
          kind: 'securityKey',
          change: false,
          available: false,
          reason: 'libusb fehlt',
          present: false,
          keys: [],
        },
      ],
    });
    expect(text).toContain('Schlüssel:    nicht prüfbar (libusb fehlt)');
  });
});
