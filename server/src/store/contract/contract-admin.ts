import type { Intervals, ProbeConfig } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import type { StoredCommand } from '../store.js';
import { deviceId, enrollDevice, eventsOf, type OpenStore, sha256, useStore } from './harness.js';
import { MIN, SEC, T0 } from './observations.js';

const INTERVALS: Intervals = { healthSec: 60, vpnSec: 5, securityKeySec: 5 };
const PROBE_CONFIG: ProbeConfig[] = [
  {
    id: 'standesamt',
    app: 'Standesamt',
    kind: 'http',
    target: 'https://standesamt.stadt.internal/health',
    intervalSec: 60,
    timeoutMs: 10_000,
    expectStatus: [200, 204],
    expectBody: 'OK',
  },
  {
    id: 'fileserver',
    app: 'Dateiablage',
    kind: 'tcp',
    target: 'fs01.stadt.internal:445',
    intervalSec: 30,
    timeoutMs: 3000,
  },
];

/** Probe config versions, enrollment secrets, device revocation, the command queue, ping and close. */
export function adminContract(open: OpenStore): void {
  describe('probe config, enrollment secrets and revocation', () => {
    const ref = useStore(open);

    it('versions the probe config and returns the newest', async () => {
      const { store } = ref;
      expect(await store.probeConfig()).toBeNull();
      const first = await store.saveProbeConfig([], INTERVALS, T0);
      expect(first).toEqual({ version: 1, probes: [], intervals: INTERVALS, updatedAt: T0 });
      expect(await store.probeConfig()).toEqual(first);
      const second = await store.saveProbeConfig(PROBE_CONFIG, { ...INTERVALS, vpnSec: 10 }, T0 + MIN);
      expect(second).toEqual({
        version: 2,
        probes: PROBE_CONFIG,
        intervals: { ...INTERVALS, vpnSec: 10 },
        updatedAt: T0 + MIN,
      });
      expect(await store.probeConfig()).toEqual(second);
      expect((await store.saveProbeConfig(PROBE_CONFIG, INTERVALS, T0 + 2 * MIN)).version).toBe(3);
    });

    it('adds, lists, uses and revokes enrollment secrets by their hash', async () => {
      const { store } = ref;
      const added = await store.addEnrollSecret({
        id: 'sec_rathaus',
        label: 'Rathaus Rollout 2025',
        secretHash: sha256('rathaus-secret'),
        now: T0,
      });
      expect(added).toEqual({
        created: true,
        info: {
          id: 'sec_rathaus',
          label: 'Rathaus Rollout 2025',
          createdAt: T0,
          revokedAt: null,
          lastUsedAt: null,
          uses: 0,
        },
      });
      await store.addEnrollSecret({
        id: 'sec_schulen',
        label: 'Schulen',
        secretHash: sha256('schulen'),
        now: T0 + SEC,
      });
      // the same secret again keeps the first record
      const dup = await store.addEnrollSecret({
        id: 'sec_other',
        label: 'Kopie',
        secretHash: sha256('rathaus-secret'),
        now: T0 + 2 * SEC,
      });
      expect(dup).toEqual({ created: false, info: added.info });

      expect(await store.useEnrollSecret(sha256('rathaus-secret'), T0 + MIN)).toBe('sec_rathaus');
      expect(await store.useEnrollSecret(sha256('rathaus-secret'), T0 + 2 * MIN)).toBe('sec_rathaus');
      expect(await store.useEnrollSecret(sha256('wrong'), T0 + 2 * MIN)).toBeNull();
      expect(await store.listEnrollSecrets()).toEqual([
        { ...added.info, lastUsedAt: T0 + 2 * MIN, uses: 2 },
        {
          id: 'sec_schulen',
          label: 'Schulen',
          createdAt: T0 + SEC,
          revokedAt: null,
          lastUsedAt: null,
          uses: 0,
        },
      ]);

      expect(await store.revokeEnrollSecret('sec_rathaus', T0 + 3 * MIN)).toBe(true);
      expect(await store.revokeEnrollSecret('sec_rathaus', T0 + 4 * MIN)).toBe(false);
      expect(await store.revokeEnrollSecret('sec_unknown', T0 + 4 * MIN)).toBe(false);
      expect(await store.useEnrollSecret(sha256('rathaus-secret'), T0 + 5 * MIN)).toBeNull();
      // adding a revoked secret again does not bring it back
      const again = await store.addEnrollSecret({
        id: 'sec_rathaus2',
        label: 'Rathaus neu',
        secretHash: sha256('rathaus-secret'),
        now: T0 + 6 * MIN,
      });
      expect(again).toEqual({
        created: false,
        info: { ...added.info, revokedAt: T0 + 3 * MIN, lastUsedAt: T0 + 2 * MIN, uses: 2 },
      });
      expect(await store.useEnrollSecret(sha256('rathaus-secret'), T0 + 7 * MIN)).toBeNull();
      expect((await store.listEnrollSecrets()).map((s) => [s.id, s.revokedAt, s.uses])).toEqual([
        ['sec_rathaus', T0 + 3 * MIN, 2],
        ['sec_schulen', null, 0],
      ]);
    });

    it('revokes a device token, keeping its history; re-enrollment issues a new one', async () => {
      const { store } = ref;
      const id = await enrollDevice(store, 1);
      expect(await store.revokeDevice(id, T0 + MIN)).toBe(true);
      expect(await store.revokeDevice(deviceId(2), T0 + MIN)).toBe(false);
      const auth = await store.deviceAuth(id);
      expect(auth?.deviceId).toBe(id);
      expect(auth?.tokenHash).not.toBe(sha256('token-1'));
      // no SHA-256 hex digest can match a revoked token
      expect(auth?.tokenHash).not.toMatch(/^[0-9a-f]{64}$/);
      expect(await eventsOf(store, id)).toEqual([
        {
          ts: T0 + MIN,
          kind: 'enroll',
          from: null,
          to: 'revoked',
          detail: 'token revoked by an administrator',
        },
        { ts: T0, kind: 'enroll', from: null, to: 'enrolled', detail: null },
      ]);
      expect((await store.listDevices({ limit: 10, offset: 0 })).total).toBe(1);
      const back = await store.enrollDevice({
        newDeviceId: deviceId(3),
        hardwareId: 'hw-1',
        hostname: 'NB-0001',
        tokenHash: sha256('token-new'),
        now: T0 + 2 * MIN,
      });
      expect(back).toEqual({ deviceId: id, created: false });
      expect((await store.deviceAuth(id))?.tokenHash).toBe(sha256('token-new'));
    });
  });

  describe('command queue', () => {
    const ref = useStore(open);

    const queued = (id: string, device: string, createdAt: number, expiresAt: number): StoredCommand => ({
      id,
      deviceId: device,
      check: 'checkNow',
      createdAt,
      expiresAt,
      deliveredAt: null,
      status: 'queued',
      message: null,
      updatedAt: createdAt,
    });

    it('queues commands per device, oldest first, and hands each out once', async () => {
      const { store } = ref;
      const a = await enrollDevice(store, 1);
      const b = await enrollDevice(store, 2);
      const c1 = await store.addCommand({
        id: 'cmd_1',
        deviceId: a,
        check: 'checkNow',
        now: T0,
        expiresAt: T0 + 5 * MIN,
      });
      expect(c1).toEqual(queued('cmd_1', a, T0, T0 + 5 * MIN));
      await store.addCommand({
        id: 'cmd_2',
        deviceId: a,
        check: 'checkNow',
        now: T0 + SEC,
        expiresAt: T0 + 5 * MIN,
      });
      await store.addCommand({
        id: 'cmd_3',
        deviceId: b,
        check: 'checkNow',
        now: T0 + 2 * SEC,
        expiresAt: T0 + 5 * MIN,
      });
      expect(await store.pendingCommands(a, T0 + 3 * SEC)).toEqual([
        queued('cmd_1', a, T0, T0 + 5 * MIN),
        queued('cmd_2', a, T0 + SEC, T0 + 5 * MIN),
      ]);
      expect((await store.pendingCommands(b, T0 + 3 * SEC)).map((x) => x.id)).toEqual(['cmd_3']);

      expect(await store.commandDelivered('cmd_1', T0 + 4 * SEC)).toBe(true);
      // a second node (or a second socket) cannot claim it again
      expect(await store.commandDelivered('cmd_1', T0 + 5 * SEC)).toBe(false);
      expect(await store.commandDelivered('cmd_unknown', T0 + 5 * SEC)).toBe(false);
      expect(await store.command('cmd_1', T0 + 5 * SEC)).toEqual({
        ...queued('cmd_1', a, T0, T0 + 5 * MIN),
        deliveredAt: T0 + 4 * SEC,
        status: 'sent',
        updatedAt: T0 + 4 * SEC,
      });
      expect((await store.pendingCommands(a, T0 + 5 * SEC)).map((x) => x.id)).toEqual(['cmd_2']);
      // delivered before its expiry: it reads as sent, not expired, afterwards
      expect((await store.command('cmd_1', T0 + 10 * MIN))?.status).toBe('sent');
    });

    it('puts a claimed command back when the connection closed before it left', async () => {
      const { store } = ref;
      const a = await enrollDevice(store, 1);
      await store.addCommand({ id: 'cmd_1', deviceId: a, check: 'vpn', now: T0, expiresAt: T0 + 5 * MIN });
      expect(await store.commandDelivered('cmd_1', T0 + SEC)).toBe(true);
      await store.commandRequeued('cmd_1', T0 + 2 * SEC);
      expect(await store.command('cmd_1', T0 + 3 * SEC)).toEqual({
        id: 'cmd_1',
        deviceId: a,
        check: 'vpn',
        createdAt: T0,
        expiresAt: T0 + 5 * MIN,
        deliveredAt: null,
        status: 'queued',
        message: null,
        updatedAt: T0 + 2 * SEC,
      });
      expect((await store.pendingCommands(a, T0 + 3 * SEC)).map((x) => x.id)).toEqual(['cmd_1']);
      expect(await store.commandDelivered('cmd_1', T0 + 4 * SEC)).toBe(true);
      expect(await store.commandDelivered('cmd_1', T0 + 5 * SEC)).toBe(false);
    });

    it("records the agent's results, refusing a result from another device", async () => {
      const { store } = ref;
      const a = await enrollDevice(store, 1);
      const b = await enrollDevice(store, 2);
      await store.addCommand({ id: 'cmd_1', deviceId: a, check: 'probes', now: T0, expiresAt: T0 + 5 * MIN });
      await store.commandDelivered('cmd_1', T0 + SEC);
      expect(await store.commandResult(a, 'cmd_1', 'running', null, T0 + 2 * SEC)).toBe(true);
      expect((await store.command('cmd_1', T0 + 2 * SEC))?.status).toBe('running');
      expect(await store.commandResult(b, 'cmd_1', 'failed', 'not mine', T0 + 3 * SEC)).toBe(false);
      expect(await store.commandResult(a, 'cmd_unknown', 'done', null, T0 + 3 * SEC)).toBe(false);
      expect(await store.commandResult(a, 'cmd_1', 'done', '3 probes run', T0 + 4 * SEC)).toBe(true);
      expect(await store.command('cmd_1', T0 + 5 * SEC)).toEqual({
        id: 'cmd_1',
        deviceId: a,
        check: 'probes',
        createdAt: T0,
        expiresAt: T0 + 5 * MIN,
        deliveredAt: T0 + SEC,
        status: 'done',
        message: '3 probes run',
        updatedAt: T0 + 4 * SEC,
      });
      await store.addCommand({
        id: 'cmd_2',
        deviceId: a,
        check: 'health',
        now: T0 + MIN,
        expiresAt: T0 + 5 * MIN,
      });
      await store.commandDelivered('cmd_2', T0 + MIN + SEC);
      expect(await store.commandResult(a, 'cmd_2', 'failed', 'collector timed out', T0 + MIN + 2 * SEC)).toBe(
        true,
      );
      expect(await store.command('cmd_2', T0 + 2 * MIN)).toMatchObject({
        status: 'failed',
        message: 'collector timed out',
      });
      expect(await store.command('cmd_unknown', T0)).toBeNull();
    });

    it('lets an undelivered command expire', async () => {
      const { store } = ref;
      const a = await enrollDevice(store, 1);
      await store.addCommand({ id: 'cmd_1', deviceId: a, check: 'checkNow', now: T0, expiresAt: T0 + MIN });
      await store.addCommand({
        id: 'cmd_2',
        deviceId: a,
        check: 'checkNow',
        now: T0 + SEC,
        expiresAt: T0 + 5 * MIN,
      });
      expect((await store.command('cmd_1', T0 + MIN - 1))?.status).toBe('queued');
      expect((await store.pendingCommands(a, T0 + MIN - 1)).map((x) => x.id)).toEqual(['cmd_1', 'cmd_2']);
      expect(await store.command('cmd_1', T0 + MIN)).toEqual({
        ...queued('cmd_1', a, T0, T0 + MIN),
        status: 'expired',
      });
      expect((await store.pendingCommands(a, T0 + MIN)).map((x) => x.id)).toEqual(['cmd_2']);
      expect((await store.command('cmd_2', T0 + 10 * MIN))?.status).toBe('expired');
      expect(await store.pendingCommands(a, T0 + 10 * MIN)).toEqual([]);
    });
  });

  describe('ping and close', () => {
    const ref = useStore(open);

    it('answers a ping while open and refuses once closed', async () => {
      const { store } = ref;
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.ping()).rejects.toThrow();
    });
  });
}
