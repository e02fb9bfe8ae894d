import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { health, identity, probe, securityKey, vpn } from '../test-support/fixtures.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);

async function enrolled(
  store: SqliteStore,
  id = 'dev_0000000000000001',
  hardwareId = 'hw-1',
  hostname = 'nb-1',
) {
  await store.enrollDevice({ newDeviceId: id, hardwareId, hostname, tokenHash: 'ab', now: T0 });
  return id;
}

describe('SqliteStore', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = new SqliteStore(':memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('applies its migrations once and keeps the data when a file is reopened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagebild-store-'));
    try {
      const file = join(dir, 'lagebild.db');
      const first = new SqliteStore(file);
      await enrolled(first);
      expect(first.db.pragma('journal_mode', { simple: true })).toBe('wal');
      await first.close();
      const second = new SqliteStore(file);
      const rows = second.db.prepare('SELECT version FROM schema_migrations').all();
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
      expect((await second.listDevices({ limit: 10, offset: 0 })).total).toBe(1);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves the newest result of each probe into the device row when it migrates to version 4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagebild-store-'));
    try {
      const file = join(dir, 'lagebild.db');
      const v3 = new Database(file);
      migrate(
        v3,
        MIGRATIONS.filter((m) => m.version <= 3),
      );
      v3.prepare(
        `INSERT INTO devices (id, hardware_id, token_hash, enrolled_at, hostname) VALUES
          ('dev_a', 'hw-a', 'ab', ${T0}, 'nb-a'), ('dev_b', 'hw-b', 'ab', ${T0}, 'nb-b')`,
      ).run();
      const sample = v3.prepare(`INSERT INTO probe_samples (device_id, seq, ts, probe_id, app, probe_kind,
          target, ok, error_class, status, dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms)
        VALUES (?, ?, ?, ?, ?, 'http', ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`);
      const web = 'https://standesamt.stadt.example/health';
      sample.run('dev_a', 1, T0, 'standesamt', 'Standesamt', web, 1, null, 200, 3, 50, 90);
      sample.run(
        'dev_a',
        2,
        T0 + 60_000,
        'standesamt',
        'Standesamt',
        web,
        0,
        'http-status',
        503,
        2.5,
        30,
        41.5,
      );
      // a spooled sample measured earlier, and one with the same time but a higher seq
      sample.run('dev_a', 3, T0 - 60_000, 'standesamt', 'Standesamt', web, 1, null, 200, 3, 50, 70);
      sample.run('dev_a', 4, T0, 'bau', 'Bauamt', 'https://bau/', 0, 'timeout', null, null, null, 10_000);
      sample.run('dev_a', 5, T0, 'bau', 'Bauamt', 'https://bau/', 1, null, 204, null, null, 12);
      v3.close();

      const store4 = new SqliteStore(file);
      expect(store4.schemaVersion).toBe(6);
      // the fleet counts of migration 5 start from the devices already there
      expect((await store4.fleetCounts(T0)).devices).toBe(2);
      const probes = (await store4.deviceDetail('dev_a', 1))?.probes;
      expect(probes).toEqual([
        {
          probeId: 'bau',
          app: 'Bauamt',
          probeKind: 'http',
          target: 'https://bau/',
          ts: T0,
          ok: true,
          errorClass: null,
          status: 204,
          phases: { totalMs: 12 },
        },
        {
          probeId: 'standesamt',
          app: 'Standesamt',
          probeKind: 'http',
          target: web,
          ts: T0 + 60_000,
          ok: false,
          errorClass: 'http-status',
          status: 503,
          phases: { dnsMs: 2.5, ttfbMs: 30, totalMs: 41.5 },
        },
      ]);
      expect((await store4.deviceDetail('dev_b', 1))?.probes).toEqual([]);
      // ingest goes on from the migrated list: an older result does not replace it, a newer one does
      await store4.ingestBatch(
        'dev_a',
        [
          probe(6, T0 + 30_000, { phases: { totalMs: 77 } }),
          probe(7, T0 + 120_000, { phases: { totalMs: 66 } }),
        ],
        T0 + 120_000,
      );
      const after = (await store4.deviceDetail('dev_a', 1))?.probes;
      expect(after?.map((p) => [p.probeId, p.ts, p.phases.totalMs])).toEqual([
        ['bau', T0, 12],
        ['standesamt', T0 + 120_000, 66],
      ]);
      await store4.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives a reinstalled notebook (same hardware id) its old device id back', async () => {
    const a = await store.enrollDevice({
      newDeviceId: 'dev_a',
      hardwareId: 'hw',
      hostname: 'x',
      tokenHash: '1',
      now: T0,
    });
    const b = await store.enrollDevice({
      newDeviceId: 'dev_b',
      hardwareId: 'hw',
      hostname: 'x',
      tokenHash: '2',
      now: T0,
    });
    expect(a).toEqual({ deviceId: 'dev_a', created: true });
    expect(b).toEqual({ deviceId: 'dev_a', created: false });
    expect((await store.deviceAuth('dev_a'))?.tokenHash).toBe('2');
    expect((await store.listDevices({ limit: 10, offset: 0 })).total).toBe(1);
  });

  it('stores a resent batch only once and acknowledges the highest seq again', async () => {
    const id = await enrolled(store);
    const batch = [identity(1, T0), probe(2, T0 + 1000), probe(3, T0 + 2000)];
    const first = await store.ingestBatch(id, batch, T0 + 3000);
    const again = await store.ingestBatch(id, batch, T0 + 4000);
    expect(first).toMatchObject({ ackSeq: 3, stored: 3 });
    expect(first.samples).toHaveLength(2);
    expect(again).toMatchObject({ ackSeq: 3, stored: 0, samples: [] });
    const n = store.db.prepare('SELECT count(*) AS n FROM probe_samples').get() as { n: number };
    expect(n.n).toBe(2);
  });

  it('stores only the new tail of a batch that overlaps what was stored', async () => {
    const id = await enrolled(store);
    await store.ingestBatch(id, [probe(1, T0), probe(2, T0 + 1)], T0);
    const r = await store.ingestBatch(id, [probe(2, T0 + 1), probe(3, T0 + 2)], T0);
    expect(r).toMatchObject({ ackSeq: 3, stored: 1 });
  });

  it('records a VPN transition as exactly one event, not one per heartbeat', async () => {
    const id = await enrolled(store);
    await store.ingestBatch(id, [vpn(1, T0, 'up')], T0);
    await store.ingestBatch(id, [vpn(2, T0 + 5000, 'up', { change: false }), vpn(3, T0 + 9000, 'down')], T0);
    await store.ingestBatch(id, [vpn(4, T0 + 15000, 'down', { change: false })], T0);
    const detail = await store.deviceDetail(id, 50);
    const vpnEvents = detail?.events.filter((e) => e.kind === 'vpn');
    expect(vpnEvents).toEqual([
      { ts: T0 + 9000, kind: 'vpn', from: 'up', to: 'down', detail: 'WireGuard @ vpn-gw-1.stadt.example' },
      { ts: T0, kind: 'vpn', from: null, to: 'up', detail: 'WireGuard @ vpn-gw-1.stadt.example' },
    ]);
    expect(detail?.vpn).toEqual({
      state: 'down',
      vendor: 'WireGuard',
      gateway: 'vpn-gw-1.stadt.example',
      since: T0 + 15000,
    });
  });

  it('keeps which Fachverfahren routes go through the tunnel and whether the gateway answers', async () => {
    const id = await enrolled(store);
    const routes = [
      { host: 'standesamt.stadt.internal', viaTunnel: true, interface: 'wg0' },
      { host: 'bauportal.example', viaTunnel: false, interface: 'wlan0' },
    ];
    await store.ingestBatch(id, [vpn(1, T0, 'degraded', { gatewayReachable: false, routes })], T0);
    const detail = await store.deviceDetail(id, 50);
    expect(detail?.vpnDetail).toMatchObject({ gatewayReachable: false, routes });
    await store.ingestBatch(id, [vpn(2, T0 + 1000, 'up', { gatewayReachable: true })], T0);
    expect((await store.deviceDetail(id, 50))?.vpnDetail).toMatchObject({
      gatewayReachable: true,
      routes: [],
    });
  });

  it('records security keys inserted and removed, and shows the key model', async () => {
    const id = await enrolled(store);
    await store.ingestBatch(id, [securityKey(1, T0, true)], T0);
    expect((await store.deviceSummaries([id]))[0]?.securityKey).toEqual({
      present: true,
      model: 'YubiKey 5 NFC',
    });
    await store.ingestBatch(id, [securityKey(2, T0 + 1000, true), securityKey(3, T0 + 2000, false)], T0);
    const events = (await store.deviceDetail(id, 50))?.events.filter((e) => e.kind === 'securityKey');
    expect(events?.map((e) => [e.to, e.detail])).toEqual([
      ['removed', 'YubiKey 5 NFC'],
      ['inserted', 'YubiKey 5 NFC'],
    ]);
    expect((await store.fleetCounts(T0)).securityKeyPresent).toBe(0);
  });

  it('says whether a batch changed what a device row shows', async () => {
    const id = await enrolled(store);
    expect((await store.ingestBatch(id, [identity(1, T0)], T0)).summaryChanged).toBe(true);
    expect((await store.ingestBatch(id, [identity(2, T0 + 1)], T0 + 1)).summaryChanged).toBe(false);
    expect((await store.ingestBatch(id, [probe(3, T0 + 2), health(4, T0 + 3)], T0 + 5)).summaryChanged).toBe(
      false,
    );
    expect((await store.ingestBatch(id, [vpn(5, T0 + 4, 'up')], T0 + 6)).summaryChanged).toBe(true);
  });

  it('finds devices by a piece of hostname or serial, ignoring case and treating % literally', async () => {
    const a = await enrolled(store, 'dev_a', 'hw-a', 'a');
    const b = await enrolled(store, 'dev_b', 'hw-b', 'b');
    await store.ingestBatch(a, [identity(1, T0, { hostname: 'RATHAUS-NB-17', serial: 'PF3XK2' })], T0);
    await store.ingestBatch(b, [identity(1, T0, { hostname: 'bauamt-nb-2', serial: 'PF9%99' })], T0);
    const names = async (q: string) =>
      (await store.listDevices({ q, limit: 10, offset: 0 })).devices.map((d) => d.hostname);
    expect(await names('rathaus')).toEqual(['RATHAUS-NB-17']);
    expect(await names('pf3x')).toEqual(['RATHAUS-NB-17']);
    expect(await names('-nb-')).toEqual(['bauamt-nb-2', 'RATHAUS-NB-17']);
    expect(await names('%')).toEqual(['bauamt-nb-2']);
    expect(await names('nothing')).toEqual([]);
  });

  it('pages through devices in hostname order and reports the total', async () => {
    for (let i = 0; i < 5; i++) await enrolled(store, `dev_${i}`, `hw-${i}`, `nb-${4 - i}`);
    const page = await store.listDevices({ limit: 2, offset: 2 });
    expect(page.total).toBe(5);
    expect(page.devices.map((d) => d.hostname)).toEqual(['nb-2', 'nb-3']);
  });

  it('buckets probe latency per app with counts, errors, average and maximum of answered requests', async () => {
    const id = await enrolled(store);
    const minute = 60_000;
    await store.ingestBatch(
      id,
      [
        probe(1, T0 + 1000, { phases: { totalMs: 100 } }),
        probe(2, T0 + 2000, { phases: { totalMs: 300 } }),
        probe(3, T0 + 3000, { ok: false, errorClass: 'timeout', phases: { totalMs: 5000 } }),
        probe(4, T0 + minute + 1, { phases: { totalMs: 50 } }),
        probe(5, T0 + 1000, { app: 'Bauamt', probeId: 'bau', phases: { totalMs: 40 } }),
        probe(6, T0 - 3 * minute, { phases: { totalMs: 999 } }),
      ],
      T0,
    );
    await store.rollup();
    const latency = await store.appLatency({ from: T0 - minute, to: T0 + 2 * minute, bucketSec: 60 });
    expect(latency).toEqual({
      bucketSec: 60,
      apps: [
        { app: 'Bauamt', points: [{ t: T0, count: 1, errors: 0, avgMs: 40, maxMs: 40 }] },
        {
          app: 'Standesamt',
          points: [
            { t: T0, count: 3, errors: 1, avgMs: 200, maxMs: 300 },
            { t: T0 + minute, count: 1, errors: 0, avgMs: 50, maxMs: 50 },
          ],
        },
      ],
    });
  });

  it('shows the newest result of each probe in the device detail', async () => {
    const id = await enrolled(store);
    await store.ingestBatch(
      id,
      [
        probe(1, T0, { status: 500, ok: false, errorClass: 'http-status' }),
        probe(2, T0 + 10, { status: 200 }),
      ],
      T0,
    );
    const detail = await store.deviceDetail(id, 50);
    expect(detail?.probes).toEqual([
      {
        probeId: 'standesamt',
        app: 'Standesamt',
        probeKind: 'http',
        target: 'https://standesamt.stadt.example/health',
        ts: T0 + 10,
        ok: true,
        errorClass: null,
        status: 200,
        phases: { dnsMs: 3, connectMs: 10, tlsMs: 20, ttfbMs: 50, totalMs: 90 },
      },
    ]);
  });

  it('marks every device offline at start and records why', async () => {
    const id = await enrolled(store);
    await store.markOnline(id, { now: T0, capabilities: [], agentVersion: '0.1.0' });
    expect((await store.fleetCounts(T0)).online).toBe(1);
    expect(await store.markAllOffline(T0 + 1, 'server restarted')).toBe(1);
    expect((await store.fleetCounts(T0)).online).toBe(0);
    const [latest] = (await store.deviceDetail(id, 1))?.events ?? [];
    expect(latest).toMatchObject({ kind: 'agent', to: 'offline', detail: 'server restarted' });
  });

  it('refuses a batch for a device that is not enrolled, storing nothing', async () => {
    await expect(store.ingestBatch('dev_missing', [probe(1, T0)], T0)).rejects.toThrow(/not enrolled/);
    const n = store.db.prepare('SELECT count(*) AS n FROM probe_samples').get() as { n: number };
    expect(n.n).toBe(0);
  });

  it('versions the probe config', async () => {
    expect(await store.probeConfig()).toBeNull();
    const intervals = { healthSec: 60, vpnSec: 5, securityKeySec: 5 };
    await store.saveProbeConfig([], intervals, T0);
    const saved = await store.saveProbeConfig(
      [{ id: 'p', app: 'A', kind: 'tcp', target: 'a:1', intervalSec: 30, timeoutMs: 1000 }],
      intervals,
      T0 + 1,
    );
    expect(saved.version).toBe(2);
    expect(await store.probeConfig()).toEqual(saved);
  });

  it('keeps the counts of a spool report from the agent in the event detail', async () => {
    const id = await enrolled(store);
    await store.ingestBatch(
      id,
      [{ seq: 1, ts: T0, kind: 'agent', event: 'spool-dropped', dropped: { probe: 120, health: 14 } }],
      T0,
    );
    const detail = await store.deviceDetail(id, 5);
    expect(detail?.events[0]).toMatchObject({
      kind: 'agent',
      to: 'spool-dropped',
      detail: 'probe: 120, health: 14',
    });
  });

  it('migrates to the schema with enrollment secrets, commands, rollups, job state and fleet counts', () => {
    expect(store.schemaVersion).toBe(6);
    const tables = store.db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('enroll_secrets', 'commands',
          'rollup_device_minute', 'rollup_device_hour', 'rollup_group_minute', 'rollup_group_hour', 'job_state',
          'fleet_counts')`,
      )
      .all();
    expect(tables).toHaveLength(8);
  });
});
