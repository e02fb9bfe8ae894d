import type { Observation } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import type { FleetMetrics, Store } from '../store.js';
import { deviceId, enrollDevice, freshSummary, type OpenStore, useStore } from './harness.js';
import {
  agentEvent,
  GW1,
  GW2,
  HOUR,
  health,
  identity,
  MIN,
  probe,
  SEC,
  securityKey,
  T0,
  vpn,
  YUBIKEY,
} from './observations.js';

/** Enrolls device n and stores one batch for it. */
async function reported(store: Store, n: number, observations: Observation[], at = T0): Promise<string> {
  const id = await enrollDevice(store, n, `nb-enrolled-${n}`);
  await store.ingestBatch(id, observations, at);
  return id;
}

const byGatewayAndState = (a: FleetMetrics['vpn'][number], b: FleetMetrics['vpn'][number]) =>
  a.gateway === b.gateway ? (a.state < b.state ? -1 : 1) : a.gateway < b.gateway ? -1 : 1;

/** Fleet counts, the device list and search, summaries, the device detail and /metrics aggregates. */
export function queriesContract(open: OpenStore): void {
  describe('fleet and device queries', () => {
    const ref = useStore(open);

    it('counts devices, online devices, VPN states and present security keys', async () => {
      const { store } = ref;
      const a = await reported(store, 1, [vpn(1, T0, 'up'), securityKey(2, T0, true)]);
      await reported(store, 2, [vpn(1, T0, 'up', { gateway: GW2 }), securityKey(2, T0, false)]);
      await reported(store, 3, [vpn(1, T0, 'degraded'), securityKey(2, T0, true, false)]);
      await reported(store, 4, [vpn(1, T0, 'down', { gateway: null })]);
      await enrollDevice(store, 5);
      await store.markOnline(a, { now: T0 + SEC, capabilities: [], agentVersion: '0.3.0' });
      expect(await store.fleetCounts(T0 + MIN)).toEqual({
        devices: 5,
        online: 1,
        vpn: { up: 2, degraded: 1, down: 1, unknown: 1 },
        securityKeyPresent: 1,
        at: T0 + MIN,
      });
    });

    it('keeps the counts exact through a random run of state changes, as a recount of the devices shows', async () => {
      const { store } = ref;
      let seed = 7;
      const rnd = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed % n;
      };
      const ids: string[] = [];
      for (let n = 1; n <= 8; n++) ids.push(await enrollDevice(store, n));
      const seqs = new Map(ids.map((id) => [id, 0]));
      const states = ['up', 'degraded', 'down'] as const;
      for (let step = 0; step < 120; step++) {
        const id = ids[rnd(ids.length)]!;
        const at = T0 + step * SEC;
        const seq = seqs.get(id)! + 1;
        seqs.set(id, seq);
        switch (rnd(6)) {
          case 0:
            await store.ingestBatch(id, [vpn(seq, at, states[rnd(3)]!)], at);
            break;
          case 1:
            await store.ingestBatch(id, [securityKey(seq, at, rnd(2) === 0, rnd(4) !== 0)], at);
            break;
          case 2:
            await store.markOnline(id, { now: at, capabilities: [], agentVersion: '0.3.0' });
            break;
          case 3:
            await store.markOffline(id, at);
            break;
          case 4:
            if (rnd(4) === 0) await store.markAllOffline(at, 'server restart');
            break;
          default:
            // a batch without state changes leaves every count alone
            await store.ingestBatch(id, [health(seq, at)], at);
        }
        const all = await store.deviceSummaries();
        const recount = (f: (d: (typeof all)[number]) => boolean) => all.filter(f).length;
        expect(await store.fleetCounts(at), `after step ${step}`).toEqual({
          devices: all.length,
          online: recount((d) => d.online),
          vpn: {
            up: recount((d) => d.vpn.state === 'up'),
            degraded: recount((d) => d.vpn.state === 'degraded'),
            down: recount((d) => d.vpn.state === 'down'),
            unknown: recount((d) => !['up', 'degraded', 'down'].includes(d.vpn.state)),
          },
          securityKeyPresent: recount((d) => d.securityKey.present === true),
          at,
        });
      }
      expect((await store.listDevices({ limit: 1, offset: 0 })).total).toBe(8);
    });

    it('counts an empty fleet as zeros', async () => {
      expect(await ref.store.fleetCounts(T0)).toEqual({
        devices: 0,
        online: 0,
        vpn: { up: 0, degraded: 0, down: 0, unknown: 0 },
        securityKeyPresent: 0,
        at: T0,
      });
      expect(await ref.store.fleetMetrics()).toEqual({
        devices: 0,
        online: 0,
        vpn: [],
        securityKey: { present: 0, absent: 0, unknown: 0 },
      });
      expect(await ref.store.listDevices({ limit: 10, offset: 0 })).toEqual({ total: 0, devices: [] });
      expect(await ref.store.deviceSummaries()).toEqual([]);
    });

    it('aggregates devices per gateway and VPN state and key presence for /metrics', async () => {
      const { store } = ref;
      const a = await reported(store, 1, [vpn(1, T0, 'up'), securityKey(2, T0, true)]);
      const b = await reported(store, 2, [vpn(1, T0, 'up'), securityKey(2, T0, true)]);
      await reported(store, 3, [vpn(1, T0, 'degraded'), securityKey(2, T0, false)]);
      await reported(store, 4, [vpn(1, T0, 'up', { gateway: GW2 }), securityKey(2, T0, true, false)]);
      await reported(store, 5, [vpn(1, T0, 'down', { gateway: null })]);
      await enrollDevice(store, 6);
      await store.markOnline(a, { now: T0, capabilities: [], agentVersion: '0.3.0' });
      await store.markOnline(b, { now: T0, capabilities: [], agentVersion: '0.3.0' });
      const m = await store.fleetMetrics();
      expect({ ...m, vpn: [...m.vpn].sort(byGatewayAndState) }).toEqual({
        devices: 6,
        online: 2,
        vpn: [
          { gateway: '', state: 'down', devices: 1 },
          { gateway: '', state: 'unknown', devices: 1 },
          { gateway: GW1, state: 'degraded', devices: 1 },
          { gateway: GW1, state: 'up', devices: 2 },
          { gateway: GW2, state: 'up', devices: 1 },
        ],
        securityKey: { present: 2, absent: 1, unknown: 3 },
      });
    });

    it('finds devices by a piece of hostname or serial, ignoring case, with % and _ taken literally', async () => {
      const { store } = ref;
      await reported(store, 1, [identity(1, T0, { hostname: 'RATHAUS-NB-17', serial: 'PF3XK2AB' })]);
      await reported(store, 2, [identity(1, T0, { hostname: 'bauamt-nb-02', serial: 'PF9%99CD' })]);
      await reported(store, 3, [identity(1, T0, { hostname: 'schule_nb_03', serial: 'R90ZZ1' })]);
      await reported(store, 4, [identity(1, T0, { hostname: 'kita-nb-04', serial: 'PF3XK2XY' })]);
      const names = async (q: string) =>
        (await store.listDevices({ q, limit: 10, offset: 0 })).devices.map((d) => d.hostname);
      expect(await names('rathaus')).toEqual(['RATHAUS-NB-17']);
      expect(await names('NB-1')).toEqual(['RATHAUS-NB-17']);
      expect(await names('pf3xk2')).toEqual(['kita-nb-04', 'RATHAUS-NB-17']);
      expect(await names('-nb-')).toEqual(['bauamt-nb-02', 'kita-nb-04', 'RATHAUS-NB-17']);
      expect(await names('%')).toEqual(['bauamt-nb-02']);
      expect(await names('9%9')).toEqual(['bauamt-nb-02']);
      expect(await names('_')).toEqual(['schule_nb_03']);
      expect(await names('a_nb')).toEqual([]);
      expect(await names('nb_0')).toEqual(['schule_nb_03']);
      expect(await names('nothing')).toEqual([]);
      const found = await store.listDevices({ q: 'NB', limit: 10, offset: 0 });
      expect(found.total).toBe(4);
      // an empty query lists everything
      expect((await store.listDevices({ q: '', limit: 10, offset: 0 })).total).toBe(4);
    });

    it('pages through devices in hostname order, ignoring case, with the total of all matches', async () => {
      const { store } = ref;
      const hostnames = ['nb-05', 'NB-03', 'nb-01', 'NB-04', 'nb-02', 'pc-06', 'PC-07'];
      for (const [i, hostname] of hostnames.entries()) await enrollDevice(store, i + 1, hostname);
      const page = async (limit: number, offset: number, q?: string) => {
        const r = await store.listDevices(q === undefined ? { limit, offset } : { q, limit, offset });
        return { total: r.total, hostnames: r.devices.map((d) => d.hostname) };
      };
      expect(await page(3, 0)).toEqual({ total: 7, hostnames: ['nb-01', 'nb-02', 'NB-03'] });
      expect(await page(3, 3)).toEqual({ total: 7, hostnames: ['NB-04', 'nb-05', 'pc-06'] });
      expect(await page(3, 6)).toEqual({ total: 7, hostnames: ['PC-07'] });
      expect(await page(3, 9)).toEqual({ total: 7, hostnames: [] });
      expect(await page(2, 1, 'nb-')).toEqual({ total: 5, hostnames: ['nb-02', 'NB-03'] });
      const full = await store.listDevices({ limit: 1, offset: 0 });
      expect(full.devices).toEqual([freshSummary(deviceId(3), 'nb-01')]);
    });

    it('orders devices with the same hostname by id', async () => {
      const { store } = ref;
      await enrollDevice(store, 3, 'NB-CLONE');
      await enrollDevice(store, 1, 'NB-CLONE');
      await enrollDevice(store, 2, 'nb-clone');
      const list = await store.listDevices({ limit: 10, offset: 0 });
      expect(list.devices.map((d) => d.id)).toEqual([deviceId(1), deviceId(2), deviceId(3)]);
    });

    it('returns the summaries of all devices or of the given ids, skipping unknown ids', async () => {
      const { store } = ref;
      const a = await reported(store, 1, [identity(1, T0, { hostname: 'NB-A', site: 'Rathaus' })]);
      const b = await reported(store, 2, [identity(1, T0, { hostname: 'NB-B', orgUnit: 'Bauamt' })]);
      const c = await enrollDevice(store, 3, 'NB-C');
      const byId = (x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : 1);
      const all = [...(await store.deviceSummaries())].sort(byId);
      expect(all.map((s) => [s.id, s.hostname, s.site, s.orgUnit])).toEqual([
        [a, 'NB-A', 'Rathaus', null],
        [b, 'NB-B', null, 'Bauamt'],
        [c, 'NB-C', null, null],
      ]);
      const some = [...(await store.deviceSummaries([c, deviceId(77), a]))].sort(byId);
      expect(some).toEqual([all[0], all[2]]);
      expect(await store.deviceSummaries([])).toEqual([]);
    });

    it('shows the whole device in its detail as the agent reported it', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1, 'nb-provisional');
      await store.markOnline(id, {
        now: T0 + SEC,
        capabilities: [{ name: 'vpn', available: true }],
        agentVersion: '0.3.0',
      });
      await store.ingestBatch(
        id,
        [
          agentEvent(1, T0 + 2 * SEC, 'started'),
          identity(2, T0 + 3 * SEC, { site: 'Rathaus', orgUnit: 'Bürgeramt' }),
          vpn(3, T0 + 4 * SEC, 'up', { gatewayReachable: true }),
          securityKey(4, T0 + 5 * SEC, true),
          health(5, T0 + 6 * SEC, { clockOffsetMs: -3.5 }),
          probe(6, T0 + 7 * SEC, 'standesamt', 88.4),
          probe(7, T0 + 8 * SEC, 'fileserver', 4.2),
        ],
        T0 + 9 * SEC,
      );
      expect(await store.deviceDetail(id, 100)).toEqual({
        id,
        hostname: 'NB-RATHAUS-0001',
        serial: 'PF3XK2AB',
        os: 'windows',
        osVersion: '11',
        agentVersion: '0.3.0',
        online: true,
        lastSeen: T0 + 9 * SEC,
        vpn: { state: 'up', vendor: 'WireGuard', gateway: GW1, since: T0 + 4 * SEC },
        securityKey: { present: true, model: 'YubiKey 5 NFC' },
        site: 'Rathaus',
        orgUnit: 'Bürgeramt',
        enrolledAt: T0,
        lastSeq: 7,
        identity: { manufacturer: 'Lenovo', model: 'ThinkPad T14 Gen 4', osBuild: '22631' },
        vpnDetail: {
          interface: 'wg0',
          addresses: ['10.8.0.17'],
          gatewayRttMs: 12.5,
          gatewayReachable: true,
          changesLastHour: 1,
          routes: [],
        },
        securityKeys: [YUBIKEY],
        capabilities: [{ name: 'vpn', available: true }],
        health: {
          kind: 'health',
          cpuPct: 12.5,
          memPct: 48,
          memTotalMb: 16_384,
          diskFreePct: 61.2,
          batteryPct: 87,
          onAc: false,
          link: 'wifi',
          wifiSignalPct: 70,
          uptimeSec: 3600,
          clockOffsetMs: -3.5,
          ts: T0 + 6 * SEC,
        },
        probes: [
          {
            probeId: 'fileserver',
            app: 'Dateiablage',
            probeKind: 'tcp',
            target: 'fs01.stadt.internal:445',
            ts: T0 + 8 * SEC,
            ok: true,
            errorClass: null,
            status: null,
            phases: { connectMs: 4.2, totalMs: 4.2 },
          },
          {
            probeId: 'standesamt',
            app: 'Standesamt',
            probeKind: 'http',
            target: 'https://standesamt.stadt.internal/health',
            ts: T0 + 7 * SEC,
            ok: true,
            errorClass: null,
            status: 200,
            phases: { dnsMs: 4.4, connectMs: 13.3, tlsMs: 26.5, ttfbMs: 70.7, totalMs: 88.4 },
          },
        ],
        events: [
          { ts: T0 + 5 * SEC, kind: 'securityKey', from: null, to: 'inserted', detail: 'YubiKey 5 NFC' },
          { ts: T0 + 4 * SEC, kind: 'vpn', from: null, to: 'up', detail: `WireGuard @ ${GW1}` },
          { ts: T0 + 2 * SEC, kind: 'agent', from: null, to: 'started', detail: null },
          { ts: T0 + SEC, kind: 'agent', from: null, to: 'online', detail: null },
          { ts: T0, kind: 'enroll', from: null, to: 'enrolled', detail: null },
        ],
      });
    });

    it('shows the newest result of each probe, whatever order the samples arrived in', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      await store.ingestBatch(
        id,
        [
          probe(1, T0, 'standesamt', 5000, { ok: false, errorClass: 'http-status', status: 503 }),
          probe(2, T0 + MIN, 'standesamt', 92.5),
          probe(3, T0 + 2 * MIN, 'bauportal', 10_000, { ok: false, errorClass: 'timeout' }),
          probe(4, T0 + 3 * MIN, 'standesamt', 3.1, { ok: false, errorClass: 'refused', status: 0 }),
        ],
        T0 + 3 * MIN,
      );
      // a spooled sample measured earlier arrives later: it is not the newest
      await store.ingestBatch(id, [probe(5, T0 + 30 * SEC, 'standesamt', 77.7)], T0 + 4 * MIN);
      const probes = (await store.deviceDetail(id, 10))?.probes;
      expect(probes).toEqual([
        {
          probeId: 'bauportal',
          app: 'Bauportal',
          probeKind: 'http',
          target: 'https://bauportal.stadt.internal/',
          ts: T0 + 2 * MIN,
          ok: false,
          errorClass: 'timeout',
          status: null,
          phases: { totalMs: 10_000 },
        },
        {
          probeId: 'standesamt',
          app: 'Standesamt',
          probeKind: 'http',
          target: 'https://standesamt.stadt.internal/health',
          ts: T0 + 3 * MIN,
          ok: false,
          errorClass: 'refused',
          status: 0,
          phases: { totalMs: 3.1 },
        },
      ]);
    });

    it('lists events newest first, up to the limit', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      const states = ['up', 'degraded', 'up', 'down', 'up'] as const;
      await store.ingestBatch(
        id,
        states.map((s, i) => vpn(i + 1, T0 + (i + 1) * HOUR, s)),
        T0 + 6 * HOUR,
      );
      const events = await store.deviceDetail(id, 3);
      expect(events?.events.map((e) => [e.ts, e.from, e.to])).toEqual([
        [T0 + 5 * HOUR, 'down', 'up'],
        [T0 + 4 * HOUR, 'up', 'down'],
        [T0 + 3 * HOUR, 'degraded', 'up'],
      ]);
      expect((await store.deviceDetail(id, 100))?.events).toHaveLength(6);
    });
  });
}
