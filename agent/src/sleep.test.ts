import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Capability, ObservationData } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { startAgent } from './agent.js';
import type { Collector } from './collector.js';
import { FakeServer } from './fake-server.test-util.js';
import type { CollectorSet } from './plan.js';
import { type Resume, SleepDetector, type SleepDetectorOptions } from './sleep.js';

const HOUR = 3_600_000;

/** Three clocks the test moves by hand, as a notebook's clocks move through a day. */
function clocks(o: { boot?: boolean; stops?: boolean } = {}) {
  const t = { wall: 1_767_261_600_000, mono: 1_000, boot: 50_000 };
  const options: SleepDetectorOptions = {
    periodMs: 5_000,
    wallMs: () => t.wall,
    monotonicMs: () => t.mono,
    bootMs: o.boot === false ? null : () => t.boot,
    monotonicStopsInSleep: o.stops ?? true,
  };
  return {
    t,
    options,
    /** the agent is awake for `ms`: every clock moves on */
    awake(ms: number) {
      t.wall += ms;
      t.mono += ms;
      t.boot += ms;
    },
  };
}

describe('sleep detection', () => {
  it('notices a night of sleep on Linux: wall and boot clock jump, the monotonic clock stood still', () => {
    const c = clocks();
    const d = new SleepDetector(c.options);
    c.awake(5_000);
    expect(d.check()).toBeNull();
    c.t.wall += 8 * HOUR;
    c.t.boot += 8 * HOUR;
    c.awake(5_000);
    expect(d.check()).toEqual({ sleptMs: 8 * HOUR, at: c.t.wall });
  });

  it('notices sleep on Windows, where the monotonic clock may run on and the timer simply fires late', () => {
    const c = clocks({ boot: false, stops: false });
    const d = new SleepDetector(c.options);
    c.awake(HOUR + 5_000);
    expect(d.check()?.sleptMs).toBe(HOUR);
  });

  it('takes neither a clock set forward by NTP nor a short stall of the agent for sleep', () => {
    const c = clocks();
    const d = new SleepDetector(c.options);
    c.t.wall += HOUR; // wall clock corrected; boot and monotonic clocks know better
    c.awake(5_000);
    expect(d.check()).toBeNull();
    c.awake(40_000); // event loop blocked for 40 s, but awake all the time
    expect(d.check()).toBeNull();
    c.t.wall += 6_000;
    c.t.boot += 6_000;
    c.awake(5_000); // 6 s away is below the 10 s threshold
    expect(d.check()).toBeNull();
  });

  it('tells listeners at once, says whether the notebook woke recently, and survives a failing listener', () => {
    const c = clocks();
    const d = new SleepDetector(c.options);
    const heard: Resume[] = [];
    d.onResume(() => {
      throw new Error('listener broke');
    });
    d.onResume((r) => heard.push(r));
    expect(d.resumedWithin(60_000)).toBe(false);
    c.t.wall += HOUR;
    c.t.boot += HOUR;
    c.awake(5_000);
    d.check();
    expect(heard.map((r) => r.sleptMs)).toEqual([HOUR]);
    expect(d.resumedWithin(60_000)).toBe(true);
    c.awake(61_000);
    d.check();
    expect(d.resumedWithin(60_000)).toBe(false);
    expect(d.lastResume()?.sleptMs).toBe(HOUR);
  });

  it('checks the clocks on its own timer once started', async () => {
    const c = clocks();
    const d = new SleepDetector({ ...c.options, periodMs: 20 });
    const heard = new Promise<Resume>((resolve) => d.onResume(resolve));
    d.start();
    try {
      c.t.wall += HOUR;
      c.t.boot += HOUR;
      expect((await heard).sleptMs).toBe(HOUR);
    } finally {
      d.stop();
    }
  });
});

describe('agent after resume', () => {
  it('reports the sleep and measures at once instead of waiting for the next interval', async () => {
    const server = await FakeServer.start();
    const dir = mkdtempSync(join(tmpdir(), 'lagebild-sleep-'));
    const runs: Record<string, number> = {};
    const counting = (name: string, data: ObservationData): Collector => ({
      name,
      capability: async (): Promise<Capability> => ({ name, available: true }),
      collect: async () => {
        runs[name] = (runs[name] ?? 0) + 1;
        return [data];
      },
    });
    const set: CollectorSet = {
      identity: counting('identity', {
        kind: 'identity',
        hostname: 'NB-TEST',
        serial: 'S1',
        os: 'linux',
        osVersion: 'Debian 12',
        agentVersion: '0.1.0',
      }),
      vpn: counting('vpn', {
        kind: 'vpn',
        change: false,
        state: 'up',
        vendor: 'WireGuard',
        interface: 'wg0',
        addresses: ['10.8.0.2'],
        since: 1,
      }),
      securityKey: counting('securityKey', {
        kind: 'securityKey',
        change: false,
        available: true,
        present: true,
        keys: [],
      }),
      health: counting('health', { kind: 'health', cpuPct: 5, memPct: 30, link: 'wifi', uptimeSec: 100 }),
      probe: () => {
        throw new Error('no probes configured');
      },
    };
    const c = clocks();
    const sleep = new SleepDetector(c.options);
    const agent = await startAgent({
      serverUrl: server.url,
      stateDir: dir,
      enrollSecret: server.secret,
      collectors: set,
      sleep,
      // intervals far longer than the test: any second run comes from the resume
      local: { intervals: { healthSec: 3600, vpnSec: 3600, securityKeySec: 3600 } },
    });
    try {
      await server.until(() => server.observations.some((o) => o.kind === 'health'));
      c.t.wall += 2 * HOUR;
      c.t.boot += 2 * HOUR;
      c.awake(5_000);
      sleep.check();
      await server.until(() => server.observations.filter((o) => o.kind === 'health').length === 2);
      expect(server.observations.find((o) => o.kind === 'agent' && o.event === 'resumed')).toMatchObject({
        sleptMs: 2 * HOUR,
      });
      expect(runs).toEqual({ identity: 1, vpn: 2, securityKey: 2, health: 2 });
    } finally {
      await agent.stop();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
