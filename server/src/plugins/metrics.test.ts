import { AGENT_WS_PATH, LIVE_WS_PATH } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  parseExposition,
  promtoolCheck,
  requireTool,
  type Sample,
  sampleValue,
} from '../metrics/test-support.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { signIn } from '../test-support/auth.js';
import {
  connectAgent,
  enroll,
  fakeClock,
  identity,
  probe,
  securityKey,
  startApp,
  vpn,
} from '../test-support/fixtures.js';
import { FrameSocket } from '../test-support/frame-socket.js';

const GW1 = 'vpn-gw-1.stadt.example';
const GW2 = 'vpn-gw-2.stadt.example';

function failed(seq: number, ts: number, app: string, errorClass: string) {
  return probe(seq, ts, {
    app,
    ok: false,
    errorClass,
    status: undefined,
    phases: { dnsMs: 3, totalMs: 5000 },
  });
}

function answered(seq: number, ts: number, app: string, totalMs: number) {
  return probe(seq, ts, { app, phases: { dnsMs: 1, connectMs: 2, ttfbMs: totalMs - 5, totalMs } });
}

describe('GET /metrics', () => {
  const clock = fakeClock();
  const T0 = clock.now();
  const sockets: FrameSocket[] = [];
  let app: FastifyInstance | undefined;

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.ws.terminate();
    await app?.close();
    app = undefined;
  });

  async function scrape(target: FastifyInstance): Promise<{ text: string; samples: Sample[] }> {
    const res = await target.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return { text: res.body, samples: parseExposition(res.body) };
  }

  /** Two agents that report groups, VPN, keys and probes; a third device never connects; one refused connect. */
  async function fleet() {
    const started = await startApp({ now: clock.now, connectBurst: 2, connectRatePerSec: 0.001 });
    app = started.app;
    const a = await enroll(app, 'hw-a', 'nb-a');
    const b = await enroll(app, 'hw-b', 'nb-b');
    const c = await enroll(app, 'hw-c', 'nb-c');
    const agentA = await connectAgent(started.ws, a);
    const agentB = await connectAgent(started.ws, b);
    sockets.push(agentA.socket, agentB.socket);

    agentA.socket.send({
      type: 'batch',
      observations: [
        identity(1, T0, { hostname: 'NB-A', serial: 'SN-A', site: 'Rathaus', orgUnit: '10 Hauptamt' }),
        vpn(2, T0, 'up', { gateway: GW1 }),
        securityKey(3, T0, true),
      ],
    });
    expect(await agentA.socket.next()).toMatchObject({ type: 'ack', seq: 3 });
    agentA.socket.send({
      type: 'batch',
      observations: [
        answered(4, T0 + 1, 'Standesamt', 90),
        answered(5, T0 + 2, 'Standesamt', 300),
        failed(6, T0 + 3, 'Standesamt', 'connect-timeout'),
        answered(7, T0 + 4, 'Meldewesen', 40),
      ],
    });
    expect(await agentA.socket.next()).toMatchObject({ type: 'ack', seq: 7 });

    agentB.socket.send({
      type: 'batch',
      observations: [
        identity(1, T0, { hostname: 'NB-B', serial: 'SN-B' }),
        vpn(2, T0, 'degraded', { gateway: GW2 }),
        securityKey(3, T0, false),
        answered(4, T0 + 1, 'Standesamt', 1200),
        failed(5, T0 + 2, 'Standesamt', 'dns'),
      ],
    });
    expect(await agentB.socket.next()).toMatchObject({ type: 'ack', seq: 5 });
    // the same batch again: acknowledged and counted as a batch, nothing stored twice
    agentB.socket.send({ type: 'batch', observations: [failed(5, T0 + 2, 'Standesamt', 'dns')] });
    expect(await agentB.socket.next()).toMatchObject({ type: 'ack', seq: 5 });

    // admission lets two connections in at once; the third is refused
    const refused = await FrameSocket.open(`${started.ws}${AGENT_WS_PATH}`);
    expect(await refused.next()).toMatchObject({ type: 'error', code: 'LB_ERR_SERVER_BUSY' });
    await refused.closed;

    const { cookie } = await signIn(started.app, 'viewer');
    const dashboard = await FrameSocket.open(`${started.ws}${LIVE_WS_PATH}`, { headers: { cookie } });
    sockets.push(dashboard);
    expect(await dashboard.next()).toMatchObject({ type: 'snapshot' });

    return {
      app,
      ids: [a.deviceId, b.deviceId, c.deviceId],
      hostnames: ['nb-a', 'nb-b', 'nb-c', 'NB-A', 'NB-B', 'SN-A', 'SN-B'],
    };
  }

  it('counts connections, admission, batches, observations, ingest time and live subscribers', async () => {
    const { app } = await fleet();
    const { samples } = await scrape(app);
    const v = (name: string, labels?: Record<string, string>) => sampleValue(samples, name, labels);
    expect(v('lagebild_agent_connections')).toBe(2);
    expect(v('lagebild_agent_pending_hellos')).toBe(0);
    expect(v('lagebild_agent_connects_total', { result: 'accepted' })).toBe(2);
    expect(v('lagebild_agent_connects_total', { result: 'refused' })).toBe(1);
    expect(v('lagebild_batches_stored_total')).toBe(4);
    // 3 + 4 + 5 observations; the resent one is not stored again
    expect(v('lagebild_observations_stored_total')).toBe(12);
    expect(v('lagebild_ingest_duration_seconds_count')).toBe(4);
    expect(v('lagebild_ingest_duration_seconds_bucket', { le: '+Inf' })).toBe(4);
    expect(v('lagebild_ingest_duration_seconds_sum')).toBeGreaterThan(0);
    expect(v('lagebild_live_subscribers')).toBe(1);
    expect(v('lagebild_store_errors_total', { operation: 'ingest' })).toBe(0);
    expect(v('lagebild_store_errors_total', { operation: 'fleet_metrics' })).toBe(0);
    // process metrics, with the prefix
    expect(v('lagebild_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(v('lagebild_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name.startsWith('lagebild_nodejs_eventloop_lag'))).toBe(true);
  });

  it('reports the fleet aggregates the store knows', async () => {
    const { app } = await fleet();
    const { samples } = await scrape(app);
    const v = (name: string, labels?: Record<string, string>) => sampleValue(samples, name, labels);
    expect(v('lagebild_devices')).toBe(3);
    expect(v('lagebild_devices_online')).toBe(2);
    const vpnSeries = samples
      .filter((s) => s.name === 'lagebild_vpn_devices')
      .map((s) => [s.labels.gateway, s.labels.state, s.value]);
    expect(vpnSeries.sort()).toEqual(
      [
        [GW1, 'up', 1],
        [GW2, 'degraded', 1],
        ['none', 'unknown', 1],
      ].sort(),
    );
    expect(v('lagebild_security_key_devices', { state: 'present' })).toBe(1);
    expect(v('lagebild_security_key_devices', { state: 'absent' })).toBe(1);
    expect(v('lagebild_security_key_devices', { state: 'unknown' })).toBe(1);

    // a device going offline is seen by the next scrape
    sockets[1]!.ws.close();
    await sockets[1]!.closed;
    await expect
      .poll(async () => sampleValue((await scrape(app)).samples, 'lagebild_devices_online'), {
        timeout: 5000,
      })
      .toBe(1);
    expect(sampleValue((await scrape(app)).samples, 'lagebild_agent_connections')).toBe(1);
  });

  it('counts Fachverfahren runs, errors and answered latency per app and group kind', async () => {
    const { app } = await fleet();
    const { samples } = await scrape(app);
    const v = (name: string, labels?: Record<string, string>) => sampleValue(samples, name, labels);
    const std = (group_kind: string, group: string) => ({ app: 'Standesamt', group_kind, group });

    for (const [kind, groupA, groupB] of [
      ['gateway', GW1, GW2],
      ['site', 'Rathaus', 'none'],
      ['org_unit', '10 Hauptamt', 'none'],
    ] as const) {
      expect(v('lagebild_probe_runs_total', std(kind, groupA))).toBe(3);
      expect(v('lagebild_probe_runs_total', std(kind, groupB))).toBe(2);
      expect(v('lagebild_probe_errors_total', { ...std(kind, groupA), error_class: 'connect-timeout' })).toBe(
        1,
      );
      expect(v('lagebild_probe_errors_total', { ...std(kind, groupB), error_class: 'dns' })).toBe(1);
      // only answered runs have a latency: 90 ms and 300 ms on A, 1.2 s on B
      expect(v('lagebild_probe_duration_seconds_count', std(kind, groupA))).toBe(2);
      expect(v('lagebild_probe_duration_seconds_sum', std(kind, groupA))).toBeCloseTo(0.39, 9);
      expect(v('lagebild_probe_duration_seconds_bucket', { ...std(kind, groupA), le: '0.1' })).toBe(1);
      expect(v('lagebild_probe_duration_seconds_bucket', { ...std(kind, groupA), le: '0.25' })).toBe(1);
      expect(v('lagebild_probe_duration_seconds_bucket', { ...std(kind, groupA), le: '0.5' })).toBe(2);
      expect(v('lagebild_probe_duration_seconds_bucket', { ...std(kind, groupB), le: '1' })).toBe(0);
      expect(v('lagebild_probe_duration_seconds_bucket', { ...std(kind, groupB), le: '2.5' })).toBe(1);
      expect(v('lagebild_probe_runs_total', { app: 'Meldewesen', group_kind: kind, group: groupA })).toBe(1);
    }
    // buckets run from 5 ms to 30 s
    const les = samples
      .filter((s) => s.name === 'lagebild_probe_duration_seconds_bucket')
      .map((s) => s.labels.le);
    expect(les).toContain('0.005');
    expect(les).toContain('30');
    // any one group kind adds up to the whole fleet: 5 Standesamt runs, 1 Meldewesen run
    const total = (kind: string) =>
      samples
        .filter((s) => s.name === 'lagebild_probe_runs_total' && s.labels.group_kind === kind)
        .reduce((sum, s) => sum + s.value, 0);
    expect([total('gateway'), total('site'), total('org_unit')]).toEqual([6, 6, 6]);
    // error series only for failed runs
    expect(
      samples.filter((s) => s.name === 'lagebild_probe_errors_total').map((s) => s.labels.error_class),
    ).toEqual(expect.arrayContaining(['connect-timeout', 'dns']));
    expect(samples.filter((s) => s.name === 'lagebild_probe_errors_total')).toHaveLength(6);
  });

  it('names no device in any label', async () => {
    const { app, ids, hostnames } = await fleet();
    const { samples } = await scrape(app);
    const forbidden = new Set([...ids, ...hostnames].map((x) => x.toLowerCase()));
    const values = samples.flatMap((s) => Object.values(s.labels));
    expect(values.length).toBeGreaterThan(50);
    expect(values.filter((x) => forbidden.has(x.toLowerCase()))).toEqual([]);
    for (const id of ids) expect(values.some((x) => x.includes(id))).toBe(false);
    const names = new Set(samples.flatMap((s) => Object.keys(s.labels)));
    for (const name of ['device', 'device_id', 'deviceId', 'hostname', 'serial', 'instance'])
      expect(names.has(name)).toBe(false);
  });

  it('passes promtool check metrics', async (ctx) => {
    if (!requireTool('promtool', 'promtool check metrics')) return ctx.skip();
    const { app } = await fleet();
    const { text } = await scrape(app);
    const result = await promtoolCheck(text);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('keeps the counters of two apps in one process apart', async () => {
    const { app: first } = await fleet();
    const other = await startApp({ now: clock.now });
    try {
      const { samples } = await scrape(other.app);
      expect(sampleValue(samples, 'lagebild_batches_stored_total')).toBe(0);
      expect(sampleValue(samples, 'lagebild_agent_connects_total', { result: 'accepted' })).toBe(0);
      expect(samples.filter((s) => s.name === 'lagebild_probe_runs_total')).toEqual([]);
      expect(sampleValue(samples, 'lagebild_devices')).toBe(0);
      expect(sampleValue((await scrape(first)).samples, 'lagebild_batches_stored_total')).toBe(4);
    } finally {
      await other.app.close();
    }
  });

  it('counts a batch the database refuses as an ingest store error', async () => {
    const { app } = await fleet();
    // a database that still reads but no longer writes (full disk, read-only remount)
    (app.store as SqliteStore).db.pragma('query_only = ON');
    const agent = sockets[0]!;
    agent.send({ type: 'batch', observations: [answered(8, T0 + 9, 'Standesamt', 50)] });
    expect(await agent.next()).toMatchObject({ type: 'error', code: 'LB_ERR_STORE_FAILED' });
    const { samples } = await scrape(app);
    expect(sampleValue(samples, 'lagebild_store_errors_total', { operation: 'ingest' })).toBe(1);
    expect(sampleValue(samples, 'lagebild_batches_stored_total')).toBe(4);
    expect(
      sampleValue(samples, 'lagebild_probe_runs_total', {
        app: 'Standesamt',
        group_kind: 'site',
        group: 'Rathaus',
      }),
    ).toBe(3);
    (app.store as SqliteStore).db.pragma('query_only = OFF');
  });

  it('leaves the fleet aggregates out and counts a store error when the database is gone', async () => {
    const { app } = await fleet();
    // agents first, so that nobody needs the database to go offline afterwards
    for (const s of sockets.splice(0)) s.ws.terminate();
    await expect
      .poll(async () => sampleValue((await scrape(app)).samples, 'lagebild_agent_connections'))
      .toBe(0);
    (app.store as SqliteStore).db.close();
    const { samples } = await scrape(app);
    expect(sampleValue(samples, 'lagebild_devices')).toBeUndefined();
    expect(samples.some((s) => s.name.startsWith('lagebild_vpn_devices'))).toBe(false);
    expect(samples.some((s) => s.name.startsWith('lagebild_security_key_devices'))).toBe(false);
    expect(sampleValue(samples, 'lagebild_store_errors_total', { operation: 'fleet_metrics' })).toBe(1);
    // the node's own metrics still answer
    expect(sampleValue(samples, 'lagebild_batches_stored_total')).toBe(4);
    expect(
      sampleValue(samples, 'lagebild_probe_runs_total', {
        app: 'Meldewesen',
        group_kind: 'gateway',
        group: GW1,
      }),
    ).toBe(1);
  });
});
