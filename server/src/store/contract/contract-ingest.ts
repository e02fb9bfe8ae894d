import { describe, expect, it } from 'vitest';
import { deviceId, enrollDevice, eventsOf, type OpenStore, rollupAll, useStore } from './harness.js';
import {
  agentEvent,
  GW1,
  GW2,
  health,
  identity,
  MIN,
  probe,
  SEC,
  securityKey,
  T0,
  vpn,
} from './observations.js';

/** The batch path: exactly-once storage, acknowledgements, state changes and their events. */
export function ingestContract(open: OpenStore): void {
  describe('ingestBatch', () => {
    const ref = useStore(open);

    it('stores a batch once: a resent batch stores nothing and acknowledges the same seq', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      const batch = [
        identity(1, T0),
        probe(2, T0 + SEC, 'standesamt', 84.2),
        probe(3, T0 + 2 * SEC, 'bauportal', 10_000, { ok: false, errorClass: 'timeout' }),
      ];
      const first = await store.ingestBatch(id, batch, T0 + 3 * SEC);
      expect(first).toMatchObject({ ackSeq: 3, stored: 3, summaryChanged: true });
      expect(first.samples).toEqual([
        { deviceId: id, app: 'Standesamt', ts: T0 + SEC, ok: true, totalMs: 84.2 },
        {
          deviceId: id,
          app: 'Bauportal',
          ts: T0 + 2 * SEC,
          ok: false,
          totalMs: 10_000,
          errorClass: 'timeout',
        },
      ]);
      const again = await store.ingestBatch(id, batch, T0 + 4 * SEC);
      expect(again).toMatchObject({ ackSeq: 3, stored: 0, summaryChanged: false, samples: [] });
      expect((await store.deviceAuth(id))?.lastSeq).toBe(3);

      const overlap = await store.ingestBatch(
        id,
        [batch[2]!, probe(4, T0 + 5 * SEC, 'standesamt', 91.7)],
        T0 + 6 * SEC,
      );
      expect(overlap).toMatchObject({ ackSeq: 4, stored: 1 });
      expect(overlap.samples).toEqual([
        { deviceId: id, app: 'Standesamt', ts: T0 + 5 * SEC, ok: true, totalMs: 91.7 },
      ]);
      // three samples reached the raw table, each once
      expect(await rollupAll(store)).toBe(3);
      const stats = await store.latencyStats({ from: T0, to: T0 + MIN, bucketSec: 0, groupBy: 'all' });
      expect(stats.series.map((s) => [s.app, s.points[0]?.count, s.points[0]?.errors])).toEqual([
        ['Bauportal', 1, 1],
        ['Standesamt', 2, 0],
      ]);
    });

    it('acknowledges the stored seq for an empty batch', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      await store.ingestBatch(id, [identity(1, T0), health(2, T0 + SEC)], T0 + SEC);
      const r = await store.ingestBatch(id, [], T0 + 2 * SEC);
      expect(r).toMatchObject({ ackSeq: 2, stored: 0, summaryChanged: false, samples: [] });
    });

    it('refuses a batch for a device that is not enrolled and stores nothing', async () => {
      const { store } = ref;
      await enrollDevice(store, 1);
      await expect(
        store.ingestBatch(deviceId(2), [identity(1, T0), probe(2, T0 + SEC, 'standesamt', 80)], T0),
      ).rejects.toThrow();
      expect(await store.deviceAuth(deviceId(2))).toBeNull();
      expect((await store.fleetCounts(T0)).devices).toBe(1);
      expect((await store.rollup()).samples).toBe(0);
    });

    it('shows identity, site and org unit in the summary and returns the groups of the batch', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1, 'nb-provisional');
      const bare = await store.ingestBatch(id, [health(1, T0)], T0);
      expect(bare.groups).toEqual({ gateway: '', site: '', orgUnit: '' });
      const r = await store.ingestBatch(
        id,
        [
          identity(2, T0 + SEC, { site: 'Rathaus', orgUnit: 'Bürgeramt' }),
          vpn(3, T0 + 2 * SEC, 'up', { gateway: GW2 }),
        ],
        T0 + 3 * SEC,
      );
      expect(r.groups).toEqual({ gateway: GW2, site: 'Rathaus', orgUnit: 'Bürgeramt' });
      expect(await store.deviceSummaries([id])).toEqual([
        {
          id,
          hostname: 'NB-RATHAUS-0001',
          serial: 'PF3XK2AB',
          os: 'windows',
          osVersion: '11',
          agentVersion: '0.3.0',
          online: false,
          lastSeen: T0 + 3 * SEC,
          vpn: { state: 'up', vendor: 'WireGuard', gateway: GW2, since: T0 + 2 * SEC },
          securityKey: { present: null, model: null },
          site: 'Rathaus',
          orgUnit: 'Bürgeramt',
        },
      ]);
      // a later identity without the installation settings clears them
      const cleared = await store.ingestBatch(id, [identity(4, T0 + 4 * SEC)], T0 + 4 * SEC);
      expect(cleared.groups).toEqual({ gateway: GW2, site: '', orgUnit: '' });
      expect(cleared.summaryChanged).toBe(true);
      expect((await store.deviceSummaries([id]))[0]).toMatchObject({ site: null, orgUnit: null });
    });

    it('reports summaryChanged only when a field the device row shows changed', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      const changed = async (obs: Parameters<typeof store.ingestBatch>[1], at: number) =>
        (await store.ingestBatch(id, obs, at)).summaryChanged;
      expect(await changed([identity(1, T0)], T0)).toBe(true);
      expect(await changed([identity(2, T0 + SEC)], T0 + SEC)).toBe(false);
      // probes, health and agent events move only last-seen
      expect(
        await changed(
          [
            probe(3, T0 + 2 * SEC, 'standesamt', 80),
            health(4, T0 + 3 * SEC),
            agentEvent(5, T0 + 4 * SEC, 'resumed'),
          ],
          T0 + 5 * SEC,
        ),
      ).toBe(false);
      expect(await changed([vpn(6, T0 + 6 * SEC, 'up')], T0 + 6 * SEC)).toBe(true);
      // a heartbeat repeating the state (same since) is no change
      expect(
        await changed([vpn(7, T0 + 7 * SEC, 'up', { change: false, since: T0 + 6 * SEC })], T0 + 7 * SEC),
      ).toBe(false);
      expect(await changed([vpn(8, T0 + 8 * SEC, 'degraded')], T0 + 8 * SEC)).toBe(true);
      expect(await changed([securityKey(9, T0 + 9 * SEC, true)], T0 + 9 * SEC)).toBe(true);
      expect(await changed([securityKey(10, T0 + 10 * SEC, true)], T0 + 10 * SEC)).toBe(false);
      expect(
        await changed([identity(11, T0 + 11 * SEC, { hostname: 'NB-RATHAUS-0042' })], T0 + 11 * SEC),
      ).toBe(true);
      expect(
        await changed([identity(12, T0 + 12 * SEC, { hostname: 'NB-RATHAUS-0042', site: 'Rathaus' })], T0),
      ).toBe(true);
      // a resent batch changes nothing
      expect(await changed([vpn(8, T0 + 8 * SEC, 'down')], T0 + 13 * SEC)).toBe(false);
    });

    it('records each VPN transition as one event and keeps the tunnel details', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      const routes = [
        { host: 'standesamt.stadt.internal', viaTunnel: true, interface: 'wg0' },
        { host: 'bauportal.stadt.internal', viaTunnel: null },
      ];
      await store.ingestBatch(id, [vpn(1, T0, 'up', { gatewayReachable: true, routes })], T0);
      await store.ingestBatch(
        id,
        [
          vpn(2, T0 + MIN, 'up', { change: false, since: T0 }),
          vpn(3, T0 + 2 * MIN, 'down', { gateway: null }),
        ],
        T0 + 2 * MIN,
      );
      await store.ingestBatch(
        id,
        [vpn(4, T0 + 3 * MIN, 'down', { change: false, since: T0 + 2 * MIN, gateway: null })],
        T0,
      );
      const detail = await store.deviceDetail(id, 50);
      expect(detail?.events.filter((e) => e.kind === 'vpn')).toEqual([
        { ts: T0 + 2 * MIN, kind: 'vpn', from: 'up', to: 'down', detail: 'WireGuard' },
        { ts: T0, kind: 'vpn', from: null, to: 'up', detail: `WireGuard @ ${GW1}` },
      ]);
      expect(detail?.vpn).toEqual({ state: 'down', vendor: 'WireGuard', gateway: null, since: T0 + 2 * MIN });
      expect(detail?.vpnDetail).toEqual({
        interface: 'wg0',
        addresses: ['10.8.0.17'],
        gatewayRttMs: 12.5,
        gatewayReachable: null,
        changesLastHour: 1,
        routes: [],
      });
      await store.ingestBatch(
        id,
        [vpn(5, T0 + 4 * MIN, 'degraded', { gatewayReachable: false, routes })],
        T0,
      );
      expect((await store.deviceDetail(id, 1))?.vpnDetail).toMatchObject({ gatewayReachable: false, routes });
    });

    it('records a security key inserted and removed, and not a key the agent cannot see', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      // unknown → absent is no news
      await store.ingestBatch(id, [securityKey(1, T0, false)], T0);
      expect((await store.deviceSummaries([id]))[0]?.securityKey).toEqual({ present: false, model: null });
      await store.ingestBatch(id, [securityKey(2, T0 + MIN, true)], T0 + MIN);
      expect((await store.deviceSummaries([id]))[0]?.securityKey).toEqual({
        present: true,
        model: 'YubiKey 5 NFC',
      });
      expect((await store.fleetCounts(T0 + MIN)).securityKeyPresent).toBe(1);
      await store.ingestBatch(id, [securityKey(3, T0 + 2 * MIN, false)], T0 + 2 * MIN);
      // HID access lost: the key is unknown, not removed
      await store.ingestBatch(id, [securityKey(4, T0 + 3 * MIN, false, false)], T0 + 3 * MIN);
      const detail = await store.deviceDetail(id, 50);
      expect(detail?.securityKey).toEqual({ present: null, model: null });
      expect(detail?.securityKeys).toEqual([]);
      expect(detail?.events.filter((e) => e.kind === 'securityKey')).toEqual([
        { ts: T0 + 2 * MIN, kind: 'securityKey', from: null, to: 'removed', detail: 'YubiKey 5 NFC' },
        { ts: T0 + MIN, kind: 'securityKey', from: null, to: 'inserted', detail: 'YubiKey 5 NFC' },
      ]);
      expect((await store.fleetCounts(T0 + 3 * MIN)).securityKeyPresent).toBe(0);
    });

    it("records the agent's own events with their detail and spool counts", async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      await store.ingestBatch(
        id,
        [
          agentEvent(1, T0, 'started', { detail: 'Lagebild-Agent 0.3.0' }),
          agentEvent(2, T0 + MIN, 'collector-failed', { collector: 'securityKey', detail: 'hid timeout' }),
          agentEvent(3, T0 + 2 * MIN, 'spool-dropped', { dropped: { probe: 120, health: 14 } }),
        ],
        T0 + 2 * MIN,
      );
      expect((await eventsOf(store, id)).filter((e) => e.kind === 'agent')).toEqual([
        {
          ts: T0 + 2 * MIN,
          kind: 'agent',
          from: null,
          to: 'spool-dropped',
          detail: 'probe: 120, health: 14',
        },
        { ts: T0 + MIN, kind: 'agent', from: null, to: 'collector-failed', detail: 'hid timeout' },
        { ts: T0, kind: 'agent', from: null, to: 'started', detail: 'Lagebild-Agent 0.3.0' },
      ]);
    });

    it('keeps the latest receive time as last seen, also when a late batch arrives', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      await store.ingestBatch(id, [health(1, T0)], T0 + 10 * MIN);
      await store.ingestBatch(id, [health(2, T0 + SEC)], T0 + 5 * MIN);
      expect((await store.deviceSummaries([id]))[0]?.lastSeen).toBe(T0 + 10 * MIN);
      expect((await store.deviceAuth(id))?.lastSeq).toBe(2);
    });
  });
}
