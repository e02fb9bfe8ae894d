import { AGENT_WS_PATH, ENROLL_PATH, ERRORS, PROTOCOL_VERSION } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../store/sqlite-store.js';
import { type Session, signIn } from '../test-support/auth.js';
import { connectAgent, enroll, fakeClock, hello, SECRET, startApp, vpn } from '../test-support/fixtures.js';
import { FrameSocket } from '../test-support/frame-socket.js';

describe('enrollment secrets, device revocation and queued commands', () => {
  let app: FastifyInstance;
  let wsBase: string;
  let admin: Session;
  const clock = fakeClock();
  const T0 = clock.now();

  beforeEach(async () => {
    clock.set(T0);
    ({ app, ws: wsBase } = await startApp({ now: clock.now }));
    admin = await signIn(app);
  });
  afterEach(async () => {
    await app.close();
  });

  const enrollWith = (secret: string, hardwareId = 'hw-x') =>
    app.inject({
      method: 'POST',
      url: ENROLL_PATH,
      payload: { secret, hardwareId, hostname: 'nb-x', protocol: PROTOCOL_VERSION },
    });

  it('lists the configured secret, hands out a new one once, accepts both and refuses a revoked one', async () => {
    const listed = (await admin.inject({ method: 'GET', url: '/api/v1/enroll-secrets' })).json();
    expect(listed.secrets).toHaveLength(1);
    expect(listed.secrets[0]).toMatchObject({ label: 'configured', revokedAt: null, uses: 0 });
    expect(JSON.stringify(listed)).not.toContain(SECRET);

    const created = await admin.inject({
      method: 'POST',
      url: '/api/v1/enroll-secrets',
      payload: { label: 'Rollout Q3' },
    });
    expect(created.statusCode).toBe(201);
    const { id, secret } = created.json();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await enrollWith(secret, 'hw-a')).statusCode).toBe(200);
    expect((await enrollWith(SECRET, 'hw-b')).statusCode).toBe(200);

    const after = (await admin.inject({ method: 'GET', url: '/api/v1/enroll-secrets' })).json().secrets;
    expect(after.find((s: { id: string }) => s.id === id)).toMatchObject({
      label: 'Rollout Q3',
      uses: 1,
      lastUsedAt: T0,
    });
    expect(JSON.stringify(after)).not.toContain(secret);

    expect((await admin.inject({ method: 'DELETE', url: `/api/v1/enroll-secrets/${id}` })).statusCode).toBe(
      204,
    );
    const refused = await enrollWith(secret, 'hw-c');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('LB_ERR_ENROLL_SECRET_INVALID');
    expect((await enrollWith(SECRET, 'hw-c')).statusCode).toBe(200);
    const again = await admin.inject({ method: 'DELETE', url: `/api/v1/enroll-secrets/${id}` });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('LB_ERR_NOT_FOUND');
  });

  it('revoking a device closes its open connection at once, refuses its token and keeps its history', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    socket.send({ type: 'batch', observations: [vpn(1, T0, 'up')] });
    expect(await socket.next()).toMatchObject({ type: 'ack', seq: 1 });

    const res = await admin.inject({ method: 'POST', url: `/api/v1/devices/${creds.deviceId}/revoke` });
    expect(res.json()).toEqual({ deviceId: creds.deviceId, revoked: true, disconnected: true });
    expect(await socket.next()).toMatchObject({ type: 'error', code: 'LB_ERR_AUTH_INVALID' });
    expect((await socket.closed).code).toBe(ERRORS.LB_ERR_AUTH_INVALID.close);
    await expect.poll(async () => (await app.store.deviceDetail(creds.deviceId, 1))?.online).toBe(false);

    const retry = await FrameSocket.open(`${wsBase}${AGENT_WS_PATH}`);
    retry.send(hello(creds.deviceId, creds.token));
    expect(await retry.next()).toMatchObject({ code: 'LB_ERR_AUTH_INVALID' });

    const detail = await app.store.deviceDetail(creds.deviceId, 10);
    expect(detail?.vpn.state).toBe('up');
    expect(detail?.events.map((e) => e.to)).toContain('revoked');

    // coming back needs a valid enrollment secret; the device keeps its id
    expect((await enrollWith('wrong-secret', 'hw-1')).statusCode).toBe(401);
    const back = await enrollWith(SECRET, 'hw-1');
    expect(back.json().deviceId).toBe(creds.deviceId);
    const { welcome, socket: fresh } = await connectAgent(wsBase, back.json());
    expect(welcome).toMatchObject({ type: 'welcome', ackSeq: 1 });
    await fresh.close();

    expect(
      (await admin.inject({ method: 'POST', url: '/api/v1/devices/dev_unknown/revoke' })).statusCode,
    ).toBe(404);
  });

  it('re-enrolling a device closes the connection that still uses its old token', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    await enroll(app);
    expect(await socket.next()).toMatchObject({ type: 'error', code: 'LB_ERR_AUTH_INVALID' });
    expect((await socket.closed).code).toBe(4401);
  });

  it('refuses a batch on a connection whose token was revoked by another process', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    // what `lagebild-server device revoke` does from another process: only the database changes
    await app.store.revokeDevice(creds.deviceId, T0);
    socket.send({ type: 'batch', observations: [vpn(1, T0, 'up')] });
    expect(await socket.next()).toMatchObject({ code: 'LB_ERR_AUTH_INVALID' });
    expect((await app.store.deviceAuth(creds.deviceId))?.lastSeq).toBe(0);
    const n = (app.store as SqliteStore).db
      .prepare('SELECT count(*) AS n FROM events WHERE kind = ?')
      .get('vpn') as {
      n: number;
    };
    expect(n.n).toBe(0);
  });

  it('queues a check for an offline device and delivers it after welcome and config on the next hello', async () => {
    const creds = await enroll(app);
    const res = await admin.inject({
      method: 'POST',
      url: `/api/v1/devices/${creds.deviceId}/checks`,
      payload: { check: 'checkNow', ttlSec: 600 },
    });
    expect(res.statusCode).toBe(202);
    const { commandId, delivered } = res.json();
    expect(delivered).toBe(false);
    const queued = await admin.inject({ method: 'GET', url: `/api/v1/commands/${commandId}` });
    expect(queued.json()).toMatchObject({ status: 'queued', deliveredAt: null, check: 'checkNow' });

    clock.advance(60_000);
    const { socket, welcome, config } = await connectAgent(wsBase, creds);
    expect(welcome.type).toBe('welcome');
    expect(config.type).toBe('config');
    expect(await socket.next()).toEqual({
      type: 'command',
      id: commandId,
      check: 'checkNow',
      expiresAt: T0 + 600_000,
    });
    expect(
      (await admin.inject({ method: 'GET', url: `/api/v1/commands/${commandId}` })).json(),
    ).toMatchObject({
      status: 'sent',
      deliveredAt: T0 + 60_000,
    });
    socket.send({ type: 'commandResult', id: commandId, status: 'failed', results: [], message: 'kein VPN' });
    await expect
      .poll(async () => (await admin.inject({ method: 'GET', url: `/api/v1/commands/${commandId}` })).json())
      .toMatchObject({ status: 'failed', message: 'kein VPN' });
    await socket.close();
  });

  it('does not deliver a queued check that expired, and shows it as expired', async () => {
    const creds = await enroll(app);
    const { commandId } = await app.gateway.sendCommand(creds.deviceId, 'vpn', 1000);
    clock.advance(5000);
    const { socket } = await connectAgent(wsBase, creds);
    await expect(socket.next(300)).rejects.toThrow(/no frame/);
    expect(await app.store.command(commandId, clock.now())).toMatchObject({
      status: 'expired',
      deliveredAt: null,
    });
    await socket.close();
  });

  it('answers 200 with delivered true for a connected device, and 404 for unknown devices and commands', async () => {
    const creds = await enroll(app);
    const { socket } = await connectAgent(wsBase, creds);
    const res = await admin.inject({
      method: 'POST',
      url: `/api/v1/devices/${creds.deviceId}/checks`,
      payload: { check: 'probes' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().delivered).toBe(true);
    expect(await socket.next()).toMatchObject({ type: 'command', id: res.json().commandId, check: 'probes' });
    const unknownDevice = await admin.inject({
      method: 'POST',
      url: '/api/v1/devices/dev_nope/checks',
      payload: { check: 'probes' },
    });
    expect(unknownDevice.statusCode).toBe(404);
    const notACheck = await admin.inject({
      method: 'POST',
      url: `/api/v1/devices/${creds.deviceId}/checks`,
      payload: { check: 'rm -rf /' },
    });
    expect(notACheck.statusCode).toBe(400);
    expect((await admin.inject({ method: 'GET', url: '/api/v1/commands/cmd_nope' })).statusCode).toBe(404);
    await socket.close();
  });
});
