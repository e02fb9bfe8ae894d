import {
  decodeAgentFrame,
  encodeFrame,
  type Observation,
  type ObservationData,
  type ProbeConfig,
  type ProbeData,
  VPN_VENDOR,
} from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { type BehaviourOptions, DeviceBehaviour } from './behaviour.js';
import { DEFAULT_GATEWAYS } from './defaults.js';
import { createRng } from './prng.js';
import { probeResult } from './probe-model.js';
import { deviceProfile } from './profile.js';

const NOW = 1_750_000_000_000;
const options: BehaviourOptions = { speed: 1, slowApp: 'bauportal', slowGateway: 'vpn-gw-2.stadt.internal' };
const probe = (id: string, app = id, over: Partial<ProbeConfig> = {}): ProbeConfig => ({
  id,
  app,
  kind: 'http',
  target: `https://${id}.stadt.internal/`,
  intervalSec: 60,
  timeoutMs: 10_000,
  ...over,
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function totals(conditions: { slow: boolean; rttMs?: number }, n = 2_000, id = 'bauportal'): number[] {
  const rng = createRng(1, 'latency', id, String(conditions.slow));
  return Array.from(
    { length: n },
    () =>
      probeResult(rng, probe(id), { vpnState: 'up', rttMs: conditions.rttMs ?? 20, slow: conditions.slow })
        .phases.totalMs,
  );
}

function batchOf(data: ObservationData[]): string {
  const observations = data.map((d, i) => ({ seq: i + 1, ts: NOW, ...d }) as Observation);
  return encodeFrame({ type: 'batch', observations });
}

describe('device profiles', () => {
  it('are the same for the same seed and index', () => {
    expect(deviceProfile(1, 42, DEFAULT_GATEWAYS)).toEqual(deviceProfile(1, 42, DEFAULT_GATEWAYS));
    expect(deviceProfile(2, 42, DEFAULT_GATEWAYS)).not.toEqual(deviceProfile(1, 42, DEFAULT_GATEWAYS));
  });

  it('name notebooks like a city IT department does, with unique 8-character serials', () => {
    const profiles = Array.from({ length: 2_000 }, (_, i) => deviceProfile(1, i, DEFAULT_GATEWAYS));
    expect(profiles[0]?.hostname).toBe('NB-STADT-0001');
    expect(profiles[0]?.hardwareId).toBe('sim-1-0');
    for (const p of profiles) expect(p.serial).toMatch(/^[A-Z0-9]{8}$/);
    expect(new Set(profiles.map((p) => p.serial)).size).toBe(2_000);
  });

  it('give about 85 % of notebooks a YubiKey and spread them over every gateway and VPN vendor', () => {
    const profiles = Array.from({ length: 2_000 }, (_, i) => deviceProfile(1, i, DEFAULT_GATEWAYS));
    const withKey = profiles.filter((p) => p.securityKey).length / profiles.length;
    expect(withKey).toBeGreaterThan(0.82);
    expect(withKey).toBeLessThan(0.88);
    expect(new Set(profiles.map((p) => p.gateway))).toEqual(new Set(DEFAULT_GATEWAYS));
    expect(new Set(profiles.map((p) => p.vpnVendor))).toEqual(
      new Set([VPN_VENDOR.wireguard, VPN_VENDOR.cisco, VPN_VENDOR.globalprotect, VPN_VENDOR.ipsec]),
    );
    expect(profiles.some((p) => p.connectivity === 'poor')).toBe(true);
  });
});

describe('latency model', () => {
  it('makes the slow application behind the slow gateway about five times slower', () => {
    const normal = median(totals({ slow: false }));
    const slow = median(totals({ slow: true }));
    expect(slow / normal).toBeGreaterThan(3.5);
    expect(slow / normal).toBeLessThan(6);
  });

  it('makes the slow path fail more often, mostly with timeouts and gateway errors', () => {
    const run = (slow: boolean) => {
      const rng = createRng(5, 'errors', String(slow));
      return Array.from({ length: 5_000 }, () =>
        probeResult(rng, probe('bauportal'), { vpnState: 'up', rttMs: 20, slow }),
      );
    };
    const errorRate = (rs: ProbeData[]) => rs.filter((r) => !r.ok).length / rs.length;
    const slow = run(true);
    expect(errorRate(slow)).toBeGreaterThan(3 * errorRate(run(false)));
    const classes = new Set(slow.filter((r) => !r.ok).map((r) => r.errorClass));
    expect([...classes].every((c) => c === 'timeout' || c === 'http-status' || c === 'connect')).toBe(true);
  });

  it('reports phases that only ever grow: total ≥ ttfb ≥ tls ≥ connect ≥ dns, also on errors', () => {
    const rng = createRng(9, 'phases');
    const kinds: ProbeConfig[] = [
      probe('gis'),
      probe('ratsinfo', 'Ratsinfo', { target: 'http://ratsinfo.stadt.internal/' }),
      probe('sap', 'SAP', { kind: 'tcp', target: 'sap.stadt.internal:3200' }),
      probe('dns', 'DNS', { kind: 'dns', target: 'dc1.stadt.internal' }),
      probe('bauportal', 'Bauportal', { timeoutMs: 600 }),
    ];
    let failures = 0;
    for (let i = 0; i < 5_000; i++) {
      const p = kinds[i % kinds.length] as ProbeConfig;
      const r = probeResult(rng, p, {
        vpnState: i % 7 === 0 ? 'degraded' : 'up',
        rttMs: 25,
        slow: i % 3 === 0,
      });
      const chain = [
        r.phases.dnsMs,
        r.phases.connectMs,
        r.phases.tlsMs,
        r.phases.ttfbMs,
        r.phases.totalMs,
      ].filter((v): v is number => v !== undefined);
      for (let k = 1; k < chain.length; k++) expect(chain[k]).toBeGreaterThanOrEqual(chain[k - 1] as number);
      expect(r.ok).toBe(r.errorClass === null);
      if (!r.ok) failures++;
      if (p.kind === 'tcp') expect(r.phases.tlsMs).toBeUndefined();
      if (r.errorClass === 'timeout') expect(r.phases.totalMs).toBe(p.timeoutMs);
    }
    expect(failures).toBeGreaterThan(0);
  });

  it('fails every probe with a DNS error while the tunnel is down', () => {
    const rng = createRng(1, 'down');
    const r = probeResult(rng, probe('gis'), { vpnState: 'down', rttMs: 20, slow: false });
    expect(r).toMatchObject({ ok: false, errorClass: 'dns' });
  });
});

describe('device behaviour', () => {
  const profile = (index: number) => deviceProfile(1, index, DEFAULT_GATEWAYS);
  const slowIndex =
    Array.from({ length: 100 }, (_, i) => i).find((i) => profile(i).gateway === options.slowGateway) ?? -1;

  it('spreads the fleet over sites and org units and reports them with the identity', () => {
    const profiles = Array.from({ length: 1000 }, (_, i) => profile(i));
    expect(new Set(profiles.map((p) => p.site)).size).toBe(8);
    expect(new Set(profiles.map((p) => p.orgUnit)).size).toBe(9);
    const b = new DeviceBehaviour(profile(3), createRng(1, 3), options, NOW);
    expect(b.identity()).toMatchObject({ site: profile(3).site, orgUnit: profile(3).orgUnit });
  });

  it('produces observations the real protocol accepts', () => {
    const b = new DeviceBehaviour(profile(0), createRng(1, 0), options, NOW);
    const data: ObservationData[] = [
      b.identity(),
      b.vpnReport(NOW, true),
      b.keyReport(true),
      b.health(NOW + 60_000),
      b.probe(probe('e-akte', 'E-Akte'), NOW),
    ];
    const frame = decodeAgentFrame(batchOf(data));
    expect(frame.type).toBe('batch');
  });

  it('repeats the same observations for the same seed', () => {
    const run = () => {
      const b = new DeviceBehaviour(profile(3), createRng(1, 3, 'behaviour'), options, NOW);
      return [b.health(NOW + 1000), b.probe(probe('gis'), NOW), b.vpnReport(NOW, false)];
    };
    expect(run()).toEqual(run());
  });

  it('knows bauportal is slow only behind the slow gateway', () => {
    const slow = new DeviceBehaviour(profile(slowIndex), createRng(1), options, NOW);
    expect(slow.isSlow(probe('bauportal', 'Bauportal'))).toBe(true);
    expect(slow.isSlow(probe('gis', 'GIS'))).toBe(false);
    const other = Array.from({ length: 100 }, (_, i) => profile(i)).find(
      (p) => p.gateway !== options.slowGateway,
    );
    if (!other) throw new Error('no device behind another gateway');
    expect(
      new DeviceBehaviour(other, createRng(1), options, NOW).isSlow(probe('bauportal', 'Bauportal')),
    ).toBe(false);
  });

  it('flaps the tunnel now and then and reports each change with a count for the last hour', () => {
    const fast = { ...options, speed: 100 };
    let changes = 0;
    let maxChanges = 0;
    for (let i = 0; i < 50; i++) {
      const b = new DeviceBehaviour(profile(i), createRng(1, i), fast, NOW);
      // one simulated day in ten-second real steps
      for (let t = NOW; t < NOW + 86_400_000 / 100; t += 10_000 / 100) {
        const c = b.advanceVpn(t);
        if (c) {
          changes++;
          expect(c.change).toBe(true);
          maxChanges = Math.max(maxChanges, c.changesLastHour ?? 0);
        }
      }
    }
    expect(changes).toBeGreaterThan(10);
    expect(maxChanges).toBeGreaterThan(1);
  });

  it('holds a forced VPN state until released', () => {
    const b = new DeviceBehaviour(profile(0), createRng(1), { ...options, speed: 1_000 }, NOW);
    expect(b.setVpn('down', NOW)?.state).toBe('down');
    for (let t = NOW; t < NOW + 600_000; t += 1_000) expect(b.advanceVpn(t)).toBeNull();
    expect(b.vpnReport(NOW + 600_000, false)).toMatchObject({
      state: 'down',
      interface: null,
      gatewayRttMs: null,
    });
    b.setVpn('auto', NOW + 600_000);
  });

  it('reports security-key removal and reinsertion for key holders only', () => {
    const fast = { ...options, speed: 1_000 };
    const holder = Array.from({ length: 50 }, (_, i) => profile(i)).find((p) => p.securityKey);
    const without = Array.from({ length: 50 }, (_, i) => profile(i)).find((p) => !p.securityKey);
    if (!holder || !without) throw new Error('need both kinds of device');
    const seen = new Set<boolean>();
    const b = new DeviceBehaviour(holder, createRng(1), fast, NOW);
    for (let t = NOW; t < NOW + 3_600_000; t += 1_000) {
      const c = b.advanceKey(t);
      if (c) seen.add(c.present);
    }
    expect(seen).toEqual(new Set([true, false]));
    const n = new DeviceBehaviour(without, createRng(1), fast, NOW);
    for (let t = NOW; t < NOW + 3_600_000; t += 10_000) expect(n.advanceKey(t)).toBeNull();
    expect(n.keyReport(false)).toMatchObject({ present: false, keys: [] });
  });
});
