import type { LiveProbeSample } from '@lagebild/shared';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, requirePg, TEST_PG_URL } from '../test-support/pg.js';
import type { ClusterBus, ClusterMessage } from './bus.js';
import { answerPings, othersRunning } from './peers.js';
import { channelFor, PgBus } from './pg-bus.js';
import { checkPostgres, redactPgUrl } from './pg-reachable.js';

const run = await requirePg('cluster bus on PostgreSQL');

/** Records what a bus hears and lets a test wait for a matching message. */
function recorder(bus: ClusterBus) {
  const heard: { message: ClusterMessage; from: string }[] = [];
  let wake: () => void = () => {};
  bus.subscribe((message, from) => {
    heard.push({ message, from });
    wake();
  });
  return {
    heard,
    async until(done: () => boolean, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out; heard ${JSON.stringify(heard).slice(0, 500)}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
    },
  };
}

describe.runIf(run)('PgBus (LISTEN/NOTIFY on a real PostgreSQL)', () => {
  let schema: Awaited<ReturnType<typeof freshSchema>>;
  let other: Awaited<ReturnType<typeof freshSchema>>;
  const buses: PgBus[] = [];
  const open = async (s: string, nodeId?: string) => {
    const bus = new PgBus({ url: TEST_PG_URL, schema: s, nodeId, reconnectMinMs: 50, reconnectMaxMs: 500 });
    buses.push(bus);
    await bus.start();
    return bus;
  };

  beforeAll(async () => {
    schema = await freshSchema('lbbus');
    other = await freshSchema('lbbus');
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });
  afterAll(async () => {
    await schema?.drop();
    await other?.drop();
  });

  it('carries a message to the other nodes of its schema, not to itself nor to another schema', async () => {
    const a = await open(schema.schema, 'node-a');
    const b = await open(schema.schema, 'node-b');
    const c = await open(other.schema, 'node-c');
    const atA = recorder(a);
    const atB = recorder(b);
    const atC = recorder(c);
    await a.publish({ type: 'devices', ids: ['dev_1'] });
    await atB.until(() => atB.heard.length > 0);
    expect(atB.heard).toEqual([{ from: 'node-a', message: { type: 'devices', ids: ['dev_1'] } }]);
    // c is on the same database: had it heard, it would have heard by the time b answered this one
    await b.publish({ type: 'devices', ids: ['dev_2'] });
    await atA.until(() => atA.heard.length > 0);
    expect(atA.heard.map((h) => h.from)).toEqual(['node-b']);
    expect(atC.heard).toEqual([]);
    expect(a.channel).toBe(channelFor(schema.schema));
    expect(c.channel).not.toBe(a.channel);
  });

  it('delivers 5000 probe samples completely, split below the 8000-byte payload limit', async () => {
    const a = await open(schema.schema);
    const b = await open(schema.schema);
    const atB = recorder(b);
    const samples: LiveProbeSample[] = Array.from({ length: 5000 }, (_, i) => ({
      deviceId: `dev_${i % 97}`,
      app: 'Einwohnermeldeamt',
      ts: 1_736_931_600_000 + i,
      ok: true,
      totalMs: i % 400,
    }));
    // PostgreSQL itself refuses a payload this large: the split is what makes it work
    const direct = new pg.Client({ connectionString: TEST_PG_URL });
    await direct.connect();
    try {
      await expect(
        direct.query('SELECT pg_notify($1, $2)', [a.channel, JSON.stringify(samples)]),
      ).rejects.toThrow(/payload string too long/);
    } finally {
      await direct.end();
    }
    await a.publish({ type: 'probes', samples });
    const got = () => atB.heard.flatMap((h) => (h.message.type === 'probes' ? h.message.samples : []));
    await atB.until(() => got().length >= samples.length);
    expect(atB.heard.length).toBeGreaterThan(1);
    expect(got()).toEqual(samples);
  });

  it('joins a command result that needs several notifications', async () => {
    const a = await open(schema.schema);
    const b = await open(schema.schema);
    const atB = recorder(b);
    const message: ClusterMessage = {
      type: 'commandResult',
      deviceId: 'dev_1',
      result: {
        type: 'commandResult',
        id: 'cmd_1',
        status: 'failed',
        results: [],
        message: 'Ü'.repeat(1024),
      },
    };
    const big = {
      ...message,
      result: { ...message.result, results: Array(60).fill({ kind: 'health', memPct: 50 }) },
    };
    await a.publish(big as ClusterMessage);
    await atB.until(() => atB.heard.length > 0);
    expect(atB.heard).toEqual([{ from: a.nodeId, message: big }]);
  });

  it('listens again after its connection is killed, and says so', async () => {
    const a = await open(schema.schema, 'node-a');
    const b = await open(schema.schema, 'node-b2');
    const atB = recorder(b);
    let reconnects = 0;
    b.onReconnect(() => reconnects++);
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      const killed = await admin.query(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
        ['lagebild-bus node-b2'],
      );
      expect(killed.rows).toEqual([{ ok: true }]);
    } finally {
      await admin.end();
    }
    await atB.until(() => reconnects === 1 && b.listening);
    await a.publish({ type: 'devices', ids: ['after-reconnect'] });
    await atB.until(() => atB.heard.length > 0);
    expect(atB.heard[0]?.message).toEqual({ type: 'devices', ids: ['after-reconnect'] });
  });

  it('tells a starting node whether others are running', async () => {
    const first = await open(schema.schema);
    answerPings(first, () => {});
    expect(await othersRunning(first, 300)).toBe(false);
    const second = await open(schema.schema);
    answerPings(second, () => {});
    expect(await othersRunning(second, 3000)).toBe(true);
    await first.close();
    await second.close();
    const third = await open(schema.schema);
    expect(await othersRunning(third, 300)).toBe(false);
  });

  it('fails to start with the reason when PostgreSQL does not answer', async () => {
    const bus = new PgBus({ url: 'postgres://postgres:secret@127.0.0.1:1/test', connectTimeoutMs: 2000 });
    await expect(bus.start()).rejects.toThrow(/ECONNREFUSED/);
    await bus.close();
    await expect(checkPostgres('postgres://postgres:secret@127.0.0.1:1/test', 2000)).rejects.toThrow(
      'cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:1/test: connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(redactPgUrl('postgresql://u:p%40ss@db:5432/x?sslmode=require')).toBe(
      'postgresql://u:***@db:5432/x?sslmode=require',
    );
  });
});
