import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_WS_PATH, ERRORS, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_INTERVALS } from '../options.js';
import { SqliteStore } from '../store/sqlite-store.js';
import {
  connectAgent,
  enroll,
  fakeClock,
  hello,
  identity,
  probe,
  startApp,
  vpn,
} from '../test-support/fixtures.js';
import { FrameSocket } from '../test-support/frame-socket.js';
import { WS_MAX_PAYLOAD } from './websocket.js';

describe('agent gateway', () => {
  let app: FastifyInstance;
  let wsBase: string;
  const clock = fakeClock();
  const T0 = clock.now();

  beforeEach(async () => {
    ({ app, ws: wsBase } = await startApp({ now: clock.now, helloTimeoutMs: 300 }));
  });
  afterEach(async () => {
    await app.close();
  });

  const open = () => FrameSocket.open(`${wsBase}${AGENT_WS_PATH}`);
  const count = (table: string) =>
    ((app.store as SqliteStore).db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  it('refuses a hello with a wrong token with LB_ERR_AUTH_INVALID and its close code', async () => {
    const creds = await enroll(app);
    const socket = await open();
    socket.send(hello(creds.deviceId, 'x'.repeat(43)));
    expect(await socket.next()).toMatchObject({ type: 'error', code: 'LB_ERR_AUTH_INVALID' });
    expect((await socket.closed).code).toBe(ERRORS.LB_ERR_AUTH_INVALID.close);
  });

  it("refuses one device's token presented under another device's id, and leaves that device untouched", async () => {
    const a = await enroll(app, 'hw-a', 'NB-A');
    const b = await enroll(app, 'hw-b', 'NB-B');
    const socket = await open();
    socket.send(hello(b.deviceId, a.token));
    expect(await socket.next()).toMatchObject({ type: 'error', code: 'LB_ERR_AUTH_INVALID' });
    expect((await socket.closed).code).toBe(ERRORS.LB_ERR_AUTH_INVALID.close);
    const detail = await app.store.deviceDetail(b.deviceId, 5);
    expect(detail).toMatchObject({ online: false, lastSeq: 0 });
    // B's own token still works
    const { socket: real } = await connectAgent(wsBase, b);
    real.send({ type: 'batch', observations: [identity(1, T0)] });
    expect(await real.next()).toMatchObject({ type: 'ack', seq: 1 });
  });

  it('refuses a hello for a device that was never enrolled', async () => {
    const socket = await open();
    socket.send(hello('dev_0123456789abcdef', 'y'.repeat(43)));
    expect(await socket.next()).toMatchObject({ code: 'LB_ERR_AUTH_INVALID' });
    expect((await socket.closed).code).toBe(4401);
  });

  it('closes a connection that sends no hello in time', async () => {
    const socket = await open();
    expect(await socket.next()).toMatchObject({ type: 'error', code: 'LB_ERR_HELLO_TIMEOUT' });
    expect((await socket.closed).code).toBe(ERRORS.LB_ERR_HELLO_TIMEOUT.close);
  });

  it('welcomes a valid agent with its acknowledged seq and the current config, and marks it online', async () => {
    const creds = await enroll(app);
    const { socket, welcome, config } = await connectAgent(wsBase, creds);
    expect(welcome).toMatchObject({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      deviceId: creds.deviceId,
      ackSeq: 0,
      heartbeatSec: 30,
    });
    expect(config).toEqual({
      type: 'config',
      version: 0,
      probes: [],
      intervals: DEFAULT_INTERVALS,
    });
    const detail = await app.store.deviceDetail(creds.deviceId, 5);
    expect(detail?.online).toBe(true);
    expect(detail?.capabilities.map((c) => c.name)).toEqual(['vpn', 'securityKey']);
    expect(detail?.events[0]).toMatchObject({ kind: 'agent', to: 'online' });
    await socket.close();
  });

  it('stores a valid batch and acknowledges its highest seq', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    socket.send({ type: 'batch', observations: [identity(1, T0), vpn(2, T0, 'up'), probe(7, T0 + 5)] });
    const ack = await socket.next();
    expect(ack).toMatchObject({ type: 'ack', seq: 7 });
    // the server's clock rides along so agents can tell how far theirs is off
    expect(typeof (ack as { serverTime?: unknown }).serverTime).toBe('number');
    const detail = await app.store.deviceDetail(creds.deviceId, 50);
    expect(detail).toMatchObject({
      hostname: 'NB-0001',
      serial: 'SN-ABC-1',
      lastSeq: 7,
      vpn: { state: 'up' },
    });
    expect(detail?.probes).toHaveLength(1);
    await socket.close();
  });

  it('acknowledges a resent batch again without storing anything twice', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    const batch = { type: 'batch', observations: [vpn(1, T0, 'up'), probe(2, T0), probe(3, T0 + 1)] };
    socket.send(batch);
    expect(await socket.next()).toMatchObject({ type: 'ack', seq: 3 });
    socket.send(batch);
    expect(await socket.next()).toMatchObject({ type: 'ack', seq: 3 });
    expect(count('probe_samples')).toBe(2);
    expect(count("events WHERE kind = 'vpn'")).toBe(1);
    await socket.close();
  });

  it('tells a reconnecting agent what is already stored so it resends only the rest', async () => {
    const creds = await enroll(app);
    const first = await connectAgent(wsBase, creds);
    first.socket.send({ type: 'batch', observations: [probe(1, T0), probe(2, T0)] });
    await first.socket.next();
    await first.socket.close();
    const second = await connectAgent(wsBase, creds);
    expect(second.welcome).toMatchObject({ type: 'welcome', ackSeq: 2 });
    await second.socket.close();
  });

  it('creates exactly one event for a VPN state change', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    socket.send({ type: 'batch', observations: [vpn(1, T0, 'up')] });
    await socket.next();
    socket.send({
      type: 'batch',
      observations: [vpn(2, T0 + 5000, 'up', { change: false }), vpn(3, T0 + 6000, 'degraded')],
    });
    await socket.next();
    const events = (await app.store.deviceDetail(creds.deviceId, 50))?.events.filter((e) => e.kind === 'vpn');
    expect(events?.map((e) => `${e.from}→${e.to}`)).toEqual(['up→degraded', 'null→up']);
    await socket.close();
  });

  describe('rejects a bad frame with its documented code and stores nothing of it', () => {
    const cases: [string, () => unknown, string][] = [
      ['not JSON', () => '{"type":"batch",', 'LB_ERR_FRAME_MALFORMED'],
      [
        'an unknown observation field',
        () => ({ type: 'batch', observations: [{ ...probe(1, 1), x: 1 }] }),
        'LB_ERR_FRAME_INVALID',
      ],
      [
        'seqs that do not increase',
        () => ({ type: 'batch', observations: [probe(2, 1), probe(1, 1)] }),
        'LB_ERR_SEQ_INVALID',
      ],
      [
        'a frame over the size limit',
        () => ({ type: 'batch', observations: [probe(1, 1, { target: 'x'.repeat(MAX_FRAME_BYTES) })] }),
        'LB_ERR_FRAME_TOO_LARGE',
      ],
      ['a second hello', () => hello('dev_0123456789abcdef', 'z'.repeat(40)), 'LB_ERR_FRAME_UNEXPECTED'],
    ];
    for (const [what, frame, code] of cases) {
      it(`${what} → ${code}`, async () => {
        const creds = await enroll(app);
        const { socket } = await connectAgent(wsBase, creds);
        const before = count('probe_samples');
        const sent = frame();
        socket.send(typeof sent === 'string' ? sent : JSON.stringify(sent).slice(0, MAX_FRAME_BYTES + 1000));
        expect(await socket.next()).toMatchObject({ type: 'error', code });
        expect((await socket.closed).code).toBe(ERRORS[code as keyof typeof ERRORS].close);
        expect(count('probe_samples')).toBe(before);
        expect((await app.store.deviceAuth(creds.deviceId))?.lastSeq).toBe(0);
      });
    }
  });

  it('cuts off a frame far beyond the limit at the socket (close 1009) before reading it', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    socket.send('x'.repeat(WS_MAX_PAYLOAD + 1));
    expect((await socket.closed).code).toBe(1009);
    expect((await app.store.deviceAuth(creds.deviceId))?.lastSeq).toBe(0);
  });

  it('refuses a hello that speaks another protocol version', async () => {
    const creds = await enroll(app);
    const socket = await open();
    socket.send(hello(creds.deviceId, creds.token, { protocol: PROTOCOL_VERSION + 1 }));
    expect(await socket.next()).toMatchObject({ code: 'LB_ERR_PROTOCOL_VERSION' });
    expect((await socket.closed).code).toBe(ERRORS.LB_ERR_PROTOCOL_VERSION.close);
    expect((await app.store.deviceDetail(creds.deviceId, 5))?.online).toBe(false);
  });

  it('refuses a batch before hello', async () => {
    const socket = await open();
    socket.send({ type: 'batch', observations: [probe(1, 1)] });
    expect(await socket.next()).toMatchObject({ code: 'LB_ERR_FRAME_UNEXPECTED' });
    expect(count('probe_samples')).toBe(0);
  });

  it('lets a second connection of the same device replace the first', async () => {
    const creds = await enroll(app);
    const first = await connectAgent(wsBase, creds);
    const second = await connectAgent(wsBase, creds);
    expect(await first.socket.next()).toMatchObject({ code: 'LB_ERR_REPLACED' });
    expect((await first.socket.closed).code).toBe(ERRORS.LB_ERR_REPLACED.close);
    // the replaced connection closing does not mark the device offline
    second.socket.send({ type: 'batch', observations: [probe(1, T0)] });
    expect(await second.socket.next()).toMatchObject({ type: 'ack', seq: 1 });
    expect((await app.store.deviceDetail(creds.deviceId, 5))?.online).toBe(true);
    await second.socket.close();
  });

  it('marks the device offline with an event when the agent disconnects', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    await socket.close();
    await expect.poll(async () => (await app.store.deviceDetail(creds.deviceId, 1))?.online).toBe(false);
    const [latest] = (await app.store.deviceDetail(creds.deviceId, 1))?.events ?? [];
    expect(latest).toMatchObject({ kind: 'agent', to: 'offline' });
  });

  it('invalidates the old token when a notebook enrolls again', async () => {
    const old = await enroll(app, 'hw-same');
    const renewed = await enroll(app, 'hw-same');
    expect(renewed.deviceId).toBe(old.deviceId);
    const socket = await open();
    socket.send(hello(old.deviceId, old.token));
    expect(await socket.next()).toMatchObject({ code: 'LB_ERR_AUTH_INVALID' });
    const { welcome, socket: fresh } = await connectAgent(wsBase, renewed);
    expect(welcome).toMatchObject({ type: 'welcome', deviceId: old.deviceId });
    await fresh.close();
  });

  it('sends a predefined check to a connected agent, records its result and hands it to the live hub', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    const results: unknown[] = [];
    app.live.onCommandResult((e) => results.push(e));
    const sent = await app.gateway.sendCommand(creds.deviceId, 'vpn');
    expect(sent).toMatchObject({ delivered: true, expiresAt: T0 + 30_000 });
    const id = sent.commandId;
    expect(id).toMatch(/^cmd_[0-9a-f]{16}$/);
    expect(await socket.next()).toEqual({ type: 'command', id, check: 'vpn', expiresAt: T0 + 30_000 });
    const result = { type: 'commandResult', id, status: 'done', results: [] };
    socket.send(result);
    await expect.poll(() => results).toEqual([{ deviceId: creds.deviceId, result }]);
    expect(await app.store.command(id, clock.now())).toMatchObject({ status: 'done', deliveredAt: T0 });
    await socket.close();
  });

  it('answers LB_ERR_STORE_FAILED and closes 1011 when a batch cannot be stored', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    (app.store as SqliteStore).db.exec('DROP TABLE probe_samples');
    socket.send({ type: 'batch', observations: [vpn(1, T0, 'up'), probe(2, T0)] });
    expect(await socket.next()).toMatchObject({ code: 'LB_ERR_STORE_FAILED' });
    expect((await socket.closed).code).toBe(1011);
    // the transaction rolled back: the VPN state of the failed batch is not half-stored
    expect((await app.store.deviceAuth(creds.deviceId))?.lastSeq).toBe(0);
    expect((await app.store.deviceSummaries([creds.deviceId]))[0]?.vpn.state).toBe('unknown');
  });
});

describe('agent heartbeat', () => {
  it('drops an agent that stops answering pings and marks it offline', async () => {
    const { app, ws } = await startApp({ heartbeatSec: 1 });
    const creds = await enroll(app);
    const socket = await FrameSocket.open(`${ws}${AGENT_WS_PATH}`, { autoPong: false });
    socket.send(hello(creds.deviceId, creds.token));
    expect(await socket.next()).toMatchObject({ type: 'welcome', heartbeatSec: 1 });
    expect((await socket.closed).code).toBe(1006);
    await expect.poll(async () => (await app.store.deviceDetail(creds.deviceId, 1))?.online).toBe(false);
    await app.close();
  });
});

describe('agent gateway across restarts', () => {
  it('records connected devices offline when the server stops, and after a crash on the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagebild-gw-'));
    const dbPath = join(dir, 'lagebild.db');
    try {
      const first = await startApp({ dbPath });
      const creds = await enroll(first.app);
      const { socket } = await connectAgent(first.ws, creds);
      const closing = first.app.close();
      expect((await socket.closed).code).toBe(1001);
      await closing;

      const store = new SqliteStore(dbPath);
      const [stopped] = (await store.deviceDetail(creds.deviceId, 1))?.events ?? [];
      expect(stopped).toMatchObject({ kind: 'agent', to: 'offline', detail: 'server stopped' });
      // a crash leaves the device marked online
      await store.markOnline(creds.deviceId, { now: 1, capabilities: [], agentVersion: '0.1.0' });
      await store.close();

      const second = await startApp({ dbPath });
      const detail = await second.app.store.deviceDetail(creds.deviceId, 1);
      expect(detail?.online).toBe(false);
      expect(detail?.events[0]).toMatchObject({ to: 'offline', detail: 'server restarted' });
      await second.app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
