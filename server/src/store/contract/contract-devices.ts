import type { Capability } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import {
  deviceId,
  enrollDevice,
  eventsOf,
  freshSummary,
  type OpenStore,
  sha256,
  useStore,
} from './harness.js';
import { MIN, T0 } from './observations.js';

const CAPABILITIES: Capability[] = [
  { name: 'vpn', available: true },
  { name: 'securityKey', available: false, reason: 'node-hid not loadable' },
];

/** Enrollment, hello credentials and the online/offline state with its events. */
export function devicesContract(open: OpenStore): void {
  describe('enrollment and connection state', () => {
    const ref = useStore(open);

    it('enrolls a new notebook with an empty state and an enrollment event', async () => {
      const { store } = ref;
      const r = await store.enrollDevice({
        newDeviceId: deviceId(1),
        hardwareId: 'hw-1',
        hostname: 'NB-RATHAUS-0001',
        tokenHash: sha256('token-1'),
        now: T0,
      });
      expect(r).toEqual({ deviceId: deviceId(1), created: true });
      expect(await store.deviceAuth(deviceId(1))).toEqual({
        deviceId: deviceId(1),
        tokenHash: sha256('token-1'),
        lastSeq: 0,
      });
      expect(await store.deviceSummaries([deviceId(1)])).toEqual([
        freshSummary(deviceId(1), 'NB-RATHAUS-0001'),
      ]);
      expect(await store.deviceDetail(deviceId(1), 10)).toEqual({
        ...freshSummary(deviceId(1), 'NB-RATHAUS-0001'),
        enrolledAt: T0,
        lastSeq: 0,
        identity: { manufacturer: null, model: null, osBuild: null },
        vpnDetail: {
          interface: null,
          addresses: [],
          gatewayRttMs: null,
          gatewayReachable: null,
          changesLastHour: null,
          routes: [],
        },
        securityKeys: [],
        capabilities: [],
        health: null,
        probes: [],
        events: [{ ts: T0, kind: 'enroll', from: null, to: 'enrolled', detail: null }],
      });
    });

    it('gives a reinstalled notebook (same hardware id) its id back and replaces the token', async () => {
      const { store } = ref;
      await enrollDevice(store, 1, 'NB-RATHAUS-0001');
      const again = await store.enrollDevice({
        newDeviceId: deviceId(99),
        hardwareId: 'hw-1',
        hostname: 'NB-RATHAUS-0001',
        tokenHash: sha256('token-after-reinstall'),
        now: T0 + MIN,
      });
      expect(again).toEqual({ deviceId: deviceId(1), created: false });
      expect((await store.deviceAuth(deviceId(1)))?.tokenHash).toBe(sha256('token-after-reinstall'));
      expect(await store.deviceAuth(deviceId(99))).toBeNull();
      const list = await store.listDevices({ limit: 10, offset: 0 });
      expect(list.total).toBe(1);
      expect(list.devices.map((d) => d.id)).toEqual([deviceId(1)]);
      expect(await eventsOf(store, deviceId(1))).toEqual([
        { ts: T0 + MIN, kind: 'enroll', from: null, to: 're-enrolled', detail: 'new token issued' },
        { ts: T0, kind: 'enroll', from: null, to: 'enrolled', detail: null },
      ]);
    });

    it('keeps devices with different hardware ids apart', async () => {
      const { store } = ref;
      await enrollDevice(store, 1);
      await enrollDevice(store, 2);
      expect((await store.deviceAuth(deviceId(1)))?.tokenHash).toBe(sha256('token-1'));
      expect((await store.deviceAuth(deviceId(2)))?.tokenHash).toBe(sha256('token-2'));
      expect((await store.fleetCounts(T0)).devices).toBe(2);
    });

    it('answers null for the credentials and the detail of an unknown device', async () => {
      const { store } = ref;
      await enrollDevice(store, 1);
      expect(await store.deviceAuth(deviceId(2))).toBeNull();
      expect(await store.deviceDetail(deviceId(2), 10)).toBeNull();
      expect(await store.deviceSummaries([deviceId(2)])).toEqual([]);
    });

    it('marks a device online with its capabilities and agent version, recording the event', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      await store.markOnline(id, { now: T0 + MIN, capabilities: CAPABILITIES, agentVersion: '0.3.0' });
      const detail = await store.deviceDetail(id, 10);
      expect(detail).toMatchObject({
        online: true,
        lastSeen: T0 + MIN,
        agentVersion: '0.3.0',
        capabilities: CAPABILITIES,
      });
      expect(detail?.events[0]).toEqual({
        ts: T0 + MIN,
        kind: 'agent',
        from: null,
        to: 'online',
        detail: null,
      });
      expect((await store.fleetCounts(T0 + MIN)).online).toBe(1);
    });

    it('marks a device offline once, with the reason, and records no second offline event', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      await store.markOnline(id, { now: T0 + MIN, capabilities: CAPABILITIES, agentVersion: '0.3.0' });
      await store.markOffline(id, T0 + 5 * MIN, 'connection closed (1006)');
      await store.markOffline(id, T0 + 6 * MIN, 'connection closed (1006)');
      const [summary] = await store.deviceSummaries([id]);
      expect(summary).toMatchObject({ online: false, lastSeen: T0 + 5 * MIN });
      expect(await eventsOf(store, id)).toEqual([
        { ts: T0 + 5 * MIN, kind: 'agent', from: null, to: 'offline', detail: 'connection closed (1006)' },
        { ts: T0 + MIN, kind: 'agent', from: null, to: 'online', detail: null },
        { ts: T0, kind: 'enroll', from: null, to: 'enrolled', detail: null },
      ]);
      await store.markOnline(id, { now: T0 + 7 * MIN, capabilities: CAPABILITIES, agentVersion: '0.3.0' });
      await store.markOffline(id, T0 + 8 * MIN);
      expect((await eventsOf(store, id, 1))[0]).toEqual({
        ts: T0 + 8 * MIN,
        kind: 'agent',
        from: null,
        to: 'offline',
        detail: null,
      });
      expect((await store.fleetCounts(T0 + 8 * MIN)).online).toBe(0);
    });

    it('marks every online device offline at server start and says how many were online', async () => {
      const { store } = ref;
      const a = await enrollDevice(store, 1);
      const b = await enrollDevice(store, 2);
      const c = await enrollDevice(store, 3);
      await store.markOnline(a, { now: T0 + MIN, capabilities: [], agentVersion: '0.3.0' });
      await store.markOnline(b, { now: T0 + 2 * MIN, capabilities: [], agentVersion: '0.3.0' });
      expect(await store.markAllOffline(T0 + 10 * MIN, 'server restarted')).toBe(2);
      expect((await store.fleetCounts(T0 + 10 * MIN)).online).toBe(0);
      for (const id of [a, b]) {
        expect((await eventsOf(store, id, 1))[0]).toEqual({
          ts: T0 + 10 * MIN,
          kind: 'agent',
          from: null,
          to: 'offline',
          detail: 'server restarted',
        });
      }
      expect((await eventsOf(store, c)).map((e) => e.to)).toEqual(['enrolled']);
      expect(await store.markAllOffline(T0 + 11 * MIN, 'server restarted')).toBe(0);
      expect((await eventsOf(store, a)).filter((e) => e.to === 'offline')).toHaveLength(1);
      const summaries = await store.deviceSummaries();
      expect(summaries.map((s) => s.online)).toEqual([false, false, false]);
    });
  });
}
