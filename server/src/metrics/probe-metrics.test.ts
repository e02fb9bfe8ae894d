import type { LiveProbeSample } from '@lagebild/shared';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FleetGauges } from './fleet-metrics.js';
import { ProbeMetrics } from './probe-metrics.js';
import { parseExposition, sampleValue } from './test-support.js';

const sample = (app: string, ok = true, totalMs = 20): LiveProbeSample => ({
  deviceId: 'dev_1',
  app,
  ts: 0,
  ok,
  totalMs,
  ...(ok ? {} : { errorClass: 'tls' as const }),
});

describe('probe metrics', () => {
  it('counts values past a label limit as "(other)" and warns once', async () => {
    const registry = new Registry();
    const overflows: string[] = [];
    const probes = new ProbeMetrics(registry, { apps: 2, groups: 2 }, (label, value) =>
      overflows.push(`${label}=${value}`),
    );
    for (const site of ['A', 'B', 'C', 'D', 'A'])
      probes.observe([sample('App1'), sample('App2'), sample('App3', false)], {
        gateway: '',
        site,
        orgUnit: '',
      });
    const samples = parseExposition(await registry.metrics());
    const runs = (labels: Record<string, string>) =>
      sampleValue(samples, 'lagebild_probe_runs_total', labels);
    expect(runs({ app: 'App1', group_kind: 'site', group: 'A' })).toBe(2);
    expect(runs({ app: 'App1', group_kind: 'site', group: '(other)' })).toBe(2);
    expect(runs({ app: '(other)', group_kind: 'gateway', group: 'none' })).toBe(5);
    expect(
      sampleValue(samples, 'lagebild_probe_errors_total', {
        app: '(other)',
        group_kind: 'org_unit',
        group: 'none',
        error_class: 'tls',
      }),
    ).toBe(5);
    const sites = new Set(samples.filter((s) => s.labels.group_kind === 'site').map((s) => s.labels.group));
    expect([...sites].sort()).toEqual(['(other)', 'A', 'B']);
    expect(overflows).toEqual(['app=App3', 'group (site)=C']);
  });
});

describe('fleet gauges', () => {
  it('shows only the gateways of the latest read, "none" for devices without one', async () => {
    const registry = new Registry();
    const fleet = new FleetGauges(registry);
    fleet.set({
      devices: 3,
      online: 2,
      vpn: [
        { gateway: 'gw-old', state: 'up', devices: 2 },
        { gateway: '', state: 'unknown', devices: 1 },
      ],
      securityKey: { present: 1, absent: 0, unknown: 2 },
    });
    fleet.set({
      devices: 3,
      online: 1,
      vpn: [
        { gateway: 'gw-new', state: 'down', devices: 2 },
        { gateway: '', state: 'unknown', devices: 1 },
      ],
      securityKey: { present: 0, absent: 1, unknown: 2 },
    });
    const samples = parseExposition(await registry.metrics());
    expect(
      samples
        .filter((s) => s.name === 'lagebild_vpn_devices')
        .map((s) => [s.labels.gateway, s.labels.state, s.value]),
    ).toEqual([
      ['gw-new', 'down', 2],
      ['none', 'unknown', 1],
    ]);
    expect(sampleValue(samples, 'lagebild_devices_online')).toBe(1);
    expect(sampleValue(samples, 'lagebild_security_key_devices', { state: 'present' })).toBe(0);
    expect(sampleValue(samples, 'lagebild_security_key_devices', { state: 'absent' })).toBe(1);
  });
});
