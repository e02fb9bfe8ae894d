import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { DEFAULT_INTERVALS } from '../options.js';
import { type Session, signIn } from '../test-support/auth.js';
import {
  connectAgent,
  enroll,
  fakeClock,
  health,
  identity,
  probe,
  SECRET,
  securityKey,
  startApp,
  vpn,
} from '../test-support/fixtures.js';

const PROBES = [
  {
    id: 'standesamt',
    app: 'Standesamt',
    kind: 'http',
    target: 'https://standesamt.stadt.example/',
    intervalSec: 60,
    timeoutMs: 5000,
  },
  { id: 'gis', app: 'GIS', kind: 'tcp', target: 'gis.stadt.example:443', intervalSec: 30, timeoutMs: 3000 },
];

describe('REST API', () => {
  const clock = fakeClock();
  const T0 = clock.now();
  let app: FastifyInstance;
  let admin: Session;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await buildApp({ enrollSecrets: [SECRET], dashboardDir: false, now: clock.now });
    admin = await signIn(app);
    const fleet = [
      { hw: 'hw-a', host: 'RATHAUS-NB-01', serial: 'PF1AAA', vpn: 'up', key: true },
      { hw: 'hw-b', host: 'rathaus-nb-02', serial: 'PF2BBB', vpn: 'degraded', key: false },
      { hw: 'hw-c', host: 'bauamt-nb-01', serial: 'XY9CCC', vpn: 'down', key: true },
    ] as const;
    for (const d of fleet) {
      const { deviceId } = await enroll(app, d.hw, d.host.toLowerCase());
      ids[d.host] = deviceId;
      await app.store.ingestBatch(
        deviceId,
        [
          identity(1, T0, { hostname: d.host, serial: d.serial }),
          vpn(2, T0 + 1, d.vpn),
          securityKey(3, T0 + 2, d.key),
          health(4, T0 + 3),
        ],
        T0,
      );
    }
    await app.store.markOnline(ids['RATHAUS-NB-01']!, { now: T0, capabilities: [], agentVersion: '0.1.0' });
    const a = ids['RATHAUS-NB-01']!;
    await app.store.ingestBatch(
      a,
      [
        probe(10, T0 - 120_000, { phases: { totalMs: 100 } }),
        probe(11, T0 - 119_000, { phases: { totalMs: 300 } }),
        probe(12, T0 - 60_000, { ok: false, errorClass: 'timeout', phases: { totalMs: 5000 } }),
        probe(13, T0 - 2 * 3_600_000, { phases: { totalMs: 999 } }),
      ],
      T0,
    );
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (url: string) => admin.inject({ method: 'GET', url });

  it('counts the fleet: devices, online, VPN states and security keys', async () => {
    const res = await get('/api/v1/fleet');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      devices: 3,
      online: 1,
      vpn: { up: 1, degraded: 1, down: 1, unknown: 0 },
      securityKeyPresent: 2,
      at: T0,
    });
  });

  it('lists all devices ordered by hostname, ignoring case', async () => {
    const body = (await get('/api/v1/devices')).json();
    expect(body.total).toBe(3);
    expect(body.devices.map((d: { hostname: string }) => d.hostname)).toEqual([
      'bauamt-nb-01',
      'RATHAUS-NB-01',
      'rathaus-nb-02',
    ]);
    expect(body.devices[1]).toEqual({
      id: ids['RATHAUS-NB-01'],
      hostname: 'RATHAUS-NB-01',
      serial: 'PF1AAA',
      os: 'windows',
      osVersion: '11',
      agentVersion: '0.1.0',
      online: true,
      lastSeen: T0,
      vpn: { state: 'up', vendor: 'WireGuard', gateway: 'vpn-gw-1.stadt.example', since: T0 + 1 },
      securityKey: { present: true, model: 'YubiKey 5 NFC' },
      site: null,
      orgUnit: null,
    });
  });

  it('finds devices by part of the hostname or the serial', async () => {
    const hosts = async (q: string) =>
      (await get(`/api/v1/devices?q=${encodeURIComponent(q)}`))
        .json()
        .devices.map((d: { hostname: string }) => d.hostname);
    expect(await hosts('rathaus')).toEqual(['RATHAUS-NB-01', 'rathaus-nb-02']);
    expect(await hosts('xy9c')).toEqual(['bauamt-nb-01']);
    expect(await hosts('PF2')).toEqual(['rathaus-nb-02']);
    expect(await hosts('unbekannt')).toEqual([]);
  });

  it('pages with limit and offset', async () => {
    const body = (await get('/api/v1/devices?limit=1&offset=1')).json();
    expect(body.total).toBe(3);
    expect(body.devices.map((d: { hostname: string }) => d.hostname)).toEqual(['RATHAUS-NB-01']);
  });

  it('refuses bad query parameters with 400 and a message naming the parameter', async () => {
    for (const url of ['/api/v1/devices?limit=0', '/api/v1/devices?limit=5000', '/api/v1/devices?offset=x']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message).toMatch(/limit|offset/);
    }
  });

  it('shows a device in detail: identity, VPN, keys, health, newest probe results and events', async () => {
    const res = await get(`/api/v1/devices/${ids['RATHAUS-NB-01']}`);
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({
      hostname: 'RATHAUS-NB-01',
      enrolledAt: T0,
      lastSeq: 13,
      identity: { manufacturer: 'Lenovo', model: 'T14', osBuild: '22631' },
      vpnDetail: { interface: 'wg0', addresses: ['10.8.0.2'], gatewayRttMs: 12.5, changesLastHour: 1 },
      securityKeys: [{ product: 'YubiKey 5 NFC', vendorId: 0x1050 }],
      health: { kind: 'health', cpuPct: 12, memPct: 48, link: 'wifi', ts: T0 + 3 },
    });
    expect(d.probes).toHaveLength(1);
    expect(d.probes[0]).toMatchObject({
      probeId: 'standesamt',
      ok: false,
      errorClass: 'timeout',
      ts: T0 - 60_000,
    });
    expect(d.events.map((e: { kind: string; to: string }) => `${e.kind}:${e.to}`)).toEqual([
      'securityKey:inserted',
      'vpn:up',
      'agent:online',
      'enroll:enrolled',
    ]);
  });

  it('answers 404 with LB_ERR_NOT_FOUND for an unknown device', async () => {
    const res = await get('/api/v1/devices/dev_ffffffffffffffff');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'LB_ERR_NOT_FOUND' });
  });

  it('answers a JSON 404 for an unknown API path', async () => {
    const res = await get('/api/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'LB_ERR_NOT_FOUND' });
  });

  it('buckets Fachverfahren latency over the last hour, only where there is data', async () => {
    // the maintenance job folds samples every few seconds; the test does not wait for it
    await app.store.rollup();
    const res = await get('/api/v1/apps/latency?minutes=60&bucketSec=60');
    expect(res.statusCode).toBe(200);
    const minute = (t: number) => Math.floor(t / 60_000) * 60_000;
    expect(res.json()).toEqual({
      bucketSec: 60,
      apps: [
        {
          app: 'Standesamt',
          points: [
            { t: minute(T0 - 120_000), count: 2, errors: 0, avgMs: 200, maxMs: 300 },
            { t: minute(T0 - 60_000), count: 1, errors: 1, avgMs: null, maxMs: null },
          ],
        },
      ],
    });
  });

  it('refuses a latency query that would produce too many buckets or has bad numbers', async () => {
    expect((await get('/api/v1/apps/latency?minutes=10080&bucketSec=1')).statusCode).toBe(400);
    expect((await get('/api/v1/apps/latency?minutes=-5')).statusCode).toBe(400);
    expect((await get('/api/v1/apps/latency?bucketSec=abc')).statusCode).toBe(400);
    // per-minute rollups cannot be split into shorter buckets
    expect((await get('/api/v1/apps/latency?bucketSec=30')).statusCode).toBe(400);
  });
});

describe('probe config API', () => {
  it('starts at version 0 with default intervals, or with the probes given at startup', async () => {
    const bare = await buildApp({ dashboardDir: false });
    expect((await (await signIn(bare)).inject('/api/v1/config/probes')).json()).toEqual({
      version: 0,
      probes: [],
      intervals: DEFAULT_INTERVALS,
    });
    await bare.close();
    const seeded = await buildApp({ dashboardDir: false, probes: PROBES as never });
    expect((await (await signIn(seeded)).inject('/api/v1/config/probes')).json()).toMatchObject({
      version: 1,
      probes: PROBES,
    });
    await seeded.close();
  });

  it('pushes a new config version to a connected agent as a config frame', async () => {
    const { app, ws } = await startApp();
    const admin = await signIn(app);
    const { socket, config } = await connectAgent(ws, await enroll(app));
    expect(config).toMatchObject({ type: 'config', version: 0 });
    const intervals = { healthSec: 120, vpnSec: 2, securityKeySec: 10 };
    const res = await admin.inject({
      method: 'PUT',
      url: '/api/v1/config/probes',
      payload: { probes: PROBES, intervals },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ version: 1, probes: PROBES, intervals });
    expect(await socket.next()).toEqual({ type: 'config', version: 1, probes: PROBES, intervals });
    expect((await admin.inject('/api/v1/config/probes')).json().version).toBe(1);
    await socket.close();
    await app.close();
  });

  it('keeps the intervals when a PUT sends only probes', async () => {
    const app = await buildApp({
      dashboardDir: false,
      intervals: { healthSec: 30, vpnSec: 3, securityKeySec: 3 },
    });
    const res = await (await signIn(app)).inject({
      method: 'PUT',
      url: '/api/v1/config/probes',
      payload: { probes: [] },
    });
    expect(res.json()).toEqual({
      version: 2,
      probes: [],
      intervals: { healthSec: 30, vpnSec: 3, securityKeySec: 3 },
    });
    await app.close();
  });

  it('refuses an invalid probe config with 400, naming the field, and keeps the old version', async () => {
    const app = await buildApp({ dashboardDir: false });
    const bad = [
      { probes: [{ ...PROBES[0], intervalSec: 1 }] },
      { probes: [{ ...PROBES[0], intervalSec: '60' }] },
      { probes: [{ ...PROBES[0], color: 'red' }] },
      { probes: [PROBES[0], PROBES[0]] },
      { probes: PROBES, intervals: { healthSec: 60 } },
    ];
    const admin = await signIn(app);
    for (const payload of bad) {
      const res = await admin.inject({ method: 'PUT', url: '/api/v1/config/probes', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message).toMatch(/^body\.(probes|intervals)/);
    }
    expect((await admin.inject('/api/v1/config/probes')).json().version).toBe(0);
    await app.close();
  });
});
