import type { Observation } from '@lagebild/shared';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probe as fixtureProbe } from '../../test-support/fixtures.js';
import { freshSchema, requirePg } from '../../test-support/pg.js';
import { DEFAULT_RETENTION } from '../rollup.js';
import { createPool, LOCK, lockNamespace } from './pg-db.js';
import { migratePg, PG_MIGRATIONS } from './pg-migrations.js';
import { createPartition, PARTITIONED, partitionAt, wantedPartitions } from './pg-partitions.js';
import { PgStore } from './pg-store.js';

// What only the PostgreSQL engine has: partitions, advisory locks between nodes, the rollup horizon.
// The behaviour both engines share is the contract suite's (server/src/store/contract/).

const MIN = 60_000;
const DAY = 86_400_000;

const pgUp = await requirePg('PgStore');

const probe = (seq: number, ts: number, totalMs = 80): Observation =>
  fixtureProbe(seq, ts, { phases: { totalMs } });

async function enroll(store: PgStore, n: number, now: number): Promise<string> {
  const r = await store.enrollDevice({
    newDeviceId: `dev_${String(n).padStart(16, '0')}`,
    hardwareId: `hw-${n}`,
    hostname: `NB-${n}`,
    tokenHash: 'ab',
    now,
  });
  return r.deviceId;
}

async function count(q: pg.Pool | pg.Client, sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await q.query<{ n: number }>(sql, values);
  return rows[0]!.n;
}

/** Attached partitions of our tables, by name. */
async function partitionNames(store: PgStore): Promise<Set<string>> {
  const { rows } = await store.pool.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relispartition AND c.relkind = 'r'`,
    [store.schema],
  );
  return new Set(rows.map((r) => r.relname));
}

/** Noon (UTC) `days` days from today: far enough from midnight that a few minutes stay in one day. */
const noon = (days: number) => Math.floor(Date.now() / DAY) * DAY + days * DAY + 12 * 60 * MIN;

describe.skipIf(!pgUp)('PgStore', () => {
  let schema: Awaited<ReturnType<typeof freshSchema>>;
  const opened: PgStore[] = [];
  // the application name tells this test's connections apart from other tests' on the same database
  const url = () => `${schema.url}${schema.url.includes('?') ? '&' : '?'}application_name=${schema.schema}`;
  const open = async (poolSize = 4) => {
    const store = await PgStore.open({ url: url(), schema: schema.schema, poolSize });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    schema = await freshSchema('lbpgstore');
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await schema.drop();
  });

  it('creates a missing schema with its partitions, and retention drops old partitions counting their rows', async () => {
    await schema.drop();
    const store = await open();
    const names = await partitionNames(store);
    for (const p of wantedPartitions(Date.now())) expect(names).toContain(p.name);
    for (const spec of PARTITIONED) expect(names).toContain(`${spec.table}_default`);

    // a day that has partitions of its own, ten days back
    const old = noon(-10);
    const ns = lockNamespace(store.schema);
    for (const spec of PARTITIONED.filter((s) => s.unit === 'day')) {
      await createPartition(store.pool, ns, partitionAt(spec, old));
    }
    const id = await enroll(store, 1, old);
    const batch = [0, 1, 2, 3, 4].map((i) => probe(i + 1, old + i * MIN));
    await store.ingestBatch(id, [...batch, probe(6, Date.now())], Date.now());
    expect(await store.rollup()).toEqual({ samples: 6, caughtUp: true });
    const oldRaw = partitionAt(PARTITIONED[0]!, old).name;
    expect(await count(store.pool, `SELECT count(*) AS n FROM ${oldRaw}`)).toBe(5);
    expect(await count(store.pool, 'SELECT count(*) AS n FROM probe_samples_default')).toBe(0);

    const policy = { ...DEFAULT_RETENTION, minuteMs: 5 * DAY };
    // 5 raw samples; 5 minutes of the device and of its 4 group kinds
    expect(await store.applyRetention(Date.now(), policy)).toEqual({
      raw: 5,
      minute: 25,
      hour: 0,
      events: 0,
    });
    const after = await partitionNames(store);
    for (const spec of PARTITIONED.filter((s) => s.unit === 'day')) {
      expect(after).not.toContain(partitionAt(spec, old).name);
    }
    for (const p of wantedPartitions(Date.now())) expect(after).toContain(p.name);
    expect(await count(store.pool, 'SELECT count(*) AS n FROM probe_samples')).toBe(1);
    expect(await store.applyRetention(Date.now(), policy)).toEqual({ raw: 0, minute: 0, hour: 0, events: 0 });
    // the rollups of today's sample are kept
    const stats = await store.latencyStats({ from: noon(-1), to: Date.now(), bucketSec: 0, groupBy: 'all' });
    expect(stats.series.map((s) => s.points[0]?.count)).toEqual([1]);
  });

  it('starts the fleet counts from the devices already there and keeps them through deletes', async () => {
    const pool = createPool(url(), schema.schema, 2);
    try {
      await migratePg(pool, schema.schema, PG_MIGRATIONS.slice(0, 1));
      await pool.query(`INSERT INTO devices (id, hardware_id, token_hash, enrolled_at, hostname, online, vpn_state,
          key_available, key_present)
        VALUES ('dev_a', 'hw-a', 'ab', 1, 'NB-A', true, 'up', true, true),
          ('dev_b', 'hw-b', 'ab', 1, 'NB-B', false, 'down', true, false), ('dev_c', 'hw-c', 'ab', 1, 'NB-C', false, null, null, null)`);
    } finally {
      await pool.end();
    }
    const store = await open(2);
    expect(store.schemaVersion).toBe(PG_MIGRATIONS.length);
    expect(await store.fleetCounts(1)).toEqual({
      devices: 3,
      online: 1,
      vpn: { up: 1, degraded: 0, down: 1, unknown: 1 },
      securityKeyPresent: 1,
      at: 1,
    });
    await store.pool.query("DELETE FROM devices WHERE id = 'dev_a'");
    expect(await store.fleetCounts(2)).toMatchObject({
      devices: 2,
      online: 0,
      vpn: { up: 0 },
      securityKeyPresent: 0,
    });
    expect((await store.listDevices({ limit: 10, offset: 0 })).total).toBe(2);
  });

  it('lets several nodes start on one schema at the same time', async () => {
    const stores = await Promise.all([open(2), open(2), open(2)]);
    expect(stores.map((s) => s.schemaVersion)).toEqual(Array(3).fill(PG_MIGRATIONS.length));
    expect(await count(stores[0]!.pool, 'SELECT count(*) AS n FROM schema_migrations')).toBe(
      PG_MIGRATIONS.length,
    );
    const late = await open(2);
    expect(late.schemaVersion).toBe(PG_MIGRATIONS.length);
    const id = await enroll(stores[1]!, 1, Date.now());
    expect(await late.deviceAuth(id)).toMatchObject({ deviceId: id, lastSeq: 0 });
  });

  it('folds every sample exactly once when two nodes run the rollup job at the same time', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const devices = await Promise.all([1, 2, 3, 4].map((n) => enroll(n % 2 ? a : b, n, noon(-1))));
    const perDevice = 120;
    let ingesting = true;
    let folded = 0;
    const foldLoop = async (store: PgStore) => {
      while (ingesting) {
        const r = await store.rollup(37);
        folded += r.samples;
      }
    };
    const loops = [foldLoop(a), foldLoop(b)];
    await Promise.all(
      devices.map(async (id, d) => {
        const store = d % 2 ? a : b;
        for (let seq = 1; seq <= perDevice; seq += 10) {
          const batch = Array.from({ length: 10 }, (_, i) =>
            probe(seq + i, noon(-1) + (seq + i) * 1000, 50 + d),
          );
          await store.ingestBatch(id, batch, Date.now());
        }
      }),
    );
    ingesting = false;
    await Promise.all(loops);
    for (;;) {
      const r = await a.rollup(37);
      folded += r.samples;
      if (r.caughtUp) break;
    }
    const total = devices.length * perDevice;
    expect(folded).toBe(total);
    for (const table of ['rollup_device_minute', 'rollup_device_hour']) {
      expect(await count(a.pool, `SELECT sum(count) AS n FROM ${table}`)).toBe(total);
    }
    for (const table of ['rollup_group_minute', 'rollup_group_hour']) {
      expect(await count(a.pool, `SELECT sum(count) AS n FROM ${table} WHERE kind = 'all'`)).toBe(total);
    }
    const stats = await b.latencyStats({
      from: noon(-1),
      to: noon(0),
      bucketSec: 0,
      groupBy: 'device',
      groups: devices,
    });
    expect(stats.series.map((s) => [s.group, s.points[0]?.count])).toEqual(
      devices.map((id) => [id, perDevice]).sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
  });

  it('writes a batch in one round trip while the device row is as this node left it, and locks it otherwise', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const id = await enroll(a, 1, noon(0));
    const at = (seq: number) => noon(0) + seq * 1000;
    const batch = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => probe(from + i, at(from + i)));
    expect((await a.ingestBatch(id, batch(1, 2), Date.now())).stored).toBe(2);
    expect(a.deviceRows.counts).toEqual({ unchanged: 0, changed: 0 });
    expect((await a.ingestBatch(id, batch(3, 4), Date.now())).stored).toBe(2);
    expect(a.deviceRows.counts).toEqual({ unchanged: 1, changed: 0 });
    // the agent reconnects: the row changed, the next batch finds out and takes the locked path
    await a.markOnline(id, { now: Date.now(), capabilities: [], agentVersion: '0.3.0' });
    expect((await a.ingestBatch(id, batch(5, 5), Date.now())).stored).toBe(1);
    expect(a.deviceRows.counts).toEqual({ unchanged: 1, changed: 1 });
    // another node stores seq 6; a batch of 6…7 on this node stores only 7
    expect((await b.ingestBatch(id, batch(6, 6), Date.now())).stored).toBe(1);
    const overlap = await a.ingestBatch(id, batch(6, 7), Date.now());
    expect(overlap).toMatchObject({ stored: 1, ackSeq: 7 });
    expect(a.deviceRows.counts).toEqual({ unchanged: 1, changed: 2 });
    // two connections of the same agent sending the same batch at once: stored once
    const both = await Promise.all([
      a.ingestBatch(id, batch(8, 12), Date.now()),
      a.ingestBatch(id, batch(8, 12), Date.now()),
    ]);
    expect(both.map((r) => r.stored).sort()).toEqual([0, 5]);
    expect(both.map((r) => r.ackSeq)).toEqual([12, 12]);
    const seqs = await a.pool.query<{ seq: number; n: number }>(
      'SELECT seq, count(*)::int AS n FROM probe_samples WHERE device_id = $1 GROUP BY seq ORDER BY seq',
      [id],
    );
    expect(seqs.rows).toEqual(Array.from({ length: 12 }, (_, i) => ({ seq: i + 1, n: 1 })));
    expect((await a.deviceAuth(id))?.lastSeq).toBe(12);
  });

  it('returns at once from the rollup job while another node folds', async () => {
    const store = await open();
    const id = await enroll(store, 1, noon(0));
    await store.ingestBatch(id, [probe(1, noon(0)), probe(2, noon(0) + MIN)], Date.now());
    const other = new pg.Client({ connectionString: schema.url });
    await other.connect();
    try {
      // another node holding the fold lock
      await other.query('SELECT pg_advisory_lock($1, $2)', [lockNamespace(store.schema), LOCK.fold]);
      expect(await store.rollup()).toEqual({ samples: 0, caughtUp: true });
      await other.query('SELECT pg_advisory_unlock($1, $2)', [lockNamespace(store.schema), LOCK.fold]);
      expect(await store.rollup()).toEqual({ samples: 2, caughtUp: true });
    } finally {
      await other.end();
    }
  });

  it.each([
    ['the first batch of a device (row locked and read)', false],
    ['a batch written in one round trip (row from the cache)', true],
  ])(
    'folds a sample whose transaction commits after a sample with a higher id was folded: %s',
    async (_, cached) => {
      const store = await open();
      const late = await enroll(store, 1, noon(-30));
      const early = await enroll(store, 2, noon(0));
      let seq = 1;
      if (cached) {
        await store.ingestBatch(late, [probe(seq++, noon(-30) - MIN, 70)], Date.now());
        expect(await store.rollup()).toEqual({ samples: 1, caughtUp: true });
        await store.pool.query('DELETE FROM probe_samples');
      }
      const unchanged = store.deviceRows.counts.unchanged;
      // a second connection stalls the next insert into the default partition: the ingest of `late`
      // (30 days back, no partition of its own) has taken its sample id and waits before it can commit
      const blocker = new pg.Client({
        connectionString: schema.url,
        options: `-c search_path=${schema.schema}`,
      });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE probe_samples_default IN SHARE MODE');
        let lateDone = false;
        const lateIngest = store.ingestBatch(late, [probe(seq, noon(-30), 70)], Date.now()).then((r) => {
          lateDone = true;
          return r;
        });
        await waitFor(
          async () => (await waiting(blocker, schema.schema, 'relation')) === 1,
          'the ingest never reached the locked partition',
        );
        // meanwhile a sample of today (its own partition) is stored and committed with a higher id
        await store.ingestBatch(early, [probe(1, noon(0), 90)], Date.now());
        let rollupDone = false;
        const rollup = store.rollup().then((r) => {
          rollupDone = true;
          return r;
        });
        // the job waits for the open ingest instead of folding past its id
        await waitFor(
          async () => (await waiting(blocker, schema.schema, 'advisory')) === 1,
          'the rollup job did not wait for the open ingest transaction',
        );
        expect(lateDone).toBe(false);
        expect(rollupDone).toBe(false);
        await blocker.query('COMMIT');
        expect((await lateIngest).stored).toBe(1);
        expect(await rollup).toEqual({ samples: 2, caughtUp: true });
      } finally {
        await blocker.end();
      }
      expect(store.deviceRows.counts.unchanged - unchanged).toBe(cached ? 1 : 0);
      const ids = await store.pool.query<{ device_id: string; id: number }>(
        'SELECT device_id, id FROM probe_samples ORDER BY id',
      );
      // the scenario really happened: the sample committed last has the lower id
      expect(ids.rows.map((r) => r.device_id)).toEqual([late, early]);
      const all = await store.latencyStats({
        from: noon(-31),
        to: noon(1),
        bucketSec: 0,
        groupBy: 'device',
        groups: [late, early],
      });
      expect(all.series.map((s) => [s.group, s.points[0]?.count])).toEqual([
        [late, cached ? 2 : 1],
        [early, 1],
      ]);
    },
  );

  it('keeps samples outside the prepared partitions in the default partition, folds them and deletes them', async () => {
    const store = await open();
    const old = noon(-30);
    const id = await enroll(store, 1, old);
    await store.ingestBatch(
      id,
      [0, 1, 2].map((i) => probe(i + 1, old + i * MIN, 60 + i)),
      old,
    );
    expect(await count(store.pool, 'SELECT count(*) AS n FROM probe_samples_default')).toBe(3);
    expect(await store.rollup()).toEqual({ samples: 3, caughtUp: true });
    expect(await count(store.pool, 'SELECT count(*) AS n FROM rollup_device_minute_default')).toBe(3);
    const stats = await store.latencyStats({ from: old - DAY, to: old + DAY, bucketSec: 0, groupBy: 'all' });
    expect(stats.series[0]?.points[0]).toMatchObject({ count: 3, minMs: 60, maxMs: 62 });

    expect(await store.applyRetention(Date.now(), DEFAULT_RETENTION)).toEqual({
      raw: 3,
      minute: 15,
      hour: 0,
      events: 0,
    });
    expect(await count(store.pool, 'SELECT count(*) AS n FROM probe_samples_default')).toBe(0);
    expect(await count(store.pool, 'SELECT count(*) AS n FROM rollup_group_minute_default')).toBe(0);
  });

  it('moves rows out of the default partition into a partition created for their day', async () => {
    const store = await open();
    const ahead = noon(5);
    const id = await enroll(store, 1, Date.now());
    await store.ingestBatch(id, [probe(1, ahead), probe(2, ahead + MIN)], Date.now());
    expect(await count(store.pool, 'SELECT count(*) AS n FROM probe_samples_default')).toBe(2);
    const p = partitionAt(PARTITIONED[0]!, ahead);
    await createPartition(store.pool, lockNamespace(store.schema), p);
    await createPartition(store.pool, lockNamespace(store.schema), p);
    expect(await count(store.pool, `SELECT count(*) AS n FROM ${p.name}`)).toBe(2);
    expect(await count(store.pool, 'SELECT count(*) AS n FROM probe_samples_default')).toBe(0);
    expect(await store.rollup()).toEqual({ samples: 2, caughtUp: true });
  });
});

/** Connections of one test waiting for a lock of one kind ('relation': a table, 'advisory'). */
async function waiting(
  c: pg.Client,
  applicationName: string,
  event: 'relation' | 'advisory',
): Promise<number> {
  // inside a transaction the activity view is a snapshot taken at its first read
  await c.query('SELECT pg_stat_clear_snapshot()');
  return count(
    c,
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE application_name = $1 AND wait_event_type = 'Lock' AND wait_event = $2`,
    [applicationName, event],
  );
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} (waited ${timeoutMs} ms)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
