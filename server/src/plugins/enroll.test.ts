import { ENROLL_PATH, PROTOCOL_VERSION } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { SECRET } from '../test-support/fixtures.js';

describe('enrollment', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    app = await buildApp({ enrollSecrets: ['old-secret', SECRET], dashboardDir: false });
  });
  afterEach(async () => {
    await app.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: ENROLL_PATH, payload: payload as string, headers });
  const request = (o: Record<string, unknown> = {}) => ({
    secret: SECRET,
    hardwareId: 'board-4711',
    hostname: 'nb-rathaus-17',
    protocol: PROTOCOL_VERSION,
    ...o,
  });

  it('gives a device id and a 256-bit token for the right secret', async () => {
    const res = await post(request());
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.deviceId).toMatch(/^dev_[0-9a-f]{16}$/);
    expect(Buffer.from(body.token, 'base64url')).toHaveLength(32);
    expect(body.protocol).toBe(PROTOCOL_VERSION);
    const list = await app.store.listDevices({ limit: 10, offset: 0 });
    expect(list.devices.map((d) => [d.id, d.hostname])).toEqual([[body.deviceId, 'nb-rathaus-17']]);
  });

  it('accepts any of several configured secrets (rotation)', async () => {
    expect((await post(request({ secret: 'old-secret' }))).statusCode).toBe(200);
  });

  it('refuses a wrong secret with 401 and LB_ERR_ENROLL_SECRET_INVALID, creating no device', async () => {
    const res = await post(request({ secret: 'guess' }));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'LB_ERR_ENROLL_SECRET_INVALID' });
    expect((await app.store.listDevices({ limit: 10, offset: 0 })).total).toBe(0);
  });

  it('returns the same device id with a new token when the same hardware enrolls again', async () => {
    const first = (await post(request())).json();
    const second = (await post(request({ hostname: 'nb-rathaus-17-neu' }))).json();
    expect(second.deviceId).toBe(first.deviceId);
    expect(second.token).not.toBe(first.token);
    const list = await app.store.listDevices({ limit: 10, offset: 0 });
    expect(list.total).toBe(1);
    expect(list.devices[0]?.hostname).toBe('nb-rathaus-17-neu');
  });

  it('stores only a hash of the token', async () => {
    const { deviceId, token } = (await post(request())).json();
    const auth = await app.store.deviceAuth(deviceId);
    expect(auth?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(auth?.tokenHash).not.toContain(token);
  });

  it('refuses a body that does not match the schema with 400 and LB_ERR_ENROLL_INVALID', async () => {
    for (const body of [request({ hardwareId: '' }), request({ extra: 1 }), { secret: SECRET }]) {
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'LB_ERR_ENROLL_INVALID' });
    }
  });

  it('refuses a body that is not JSON with LB_ERR_ENROLL_INVALID', async () => {
    const res = await post('{"secret": ', { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'LB_ERR_ENROLL_INVALID' });
  });

  it('refuses an agent of another protocol version', async () => {
    const res = await post(request({ protocol: PROTOCOL_VERSION + 1 }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'LB_ERR_PROTOCOL_VERSION' });
  });

  it('lets nobody enroll when no secret is configured', async () => {
    const closed = await buildApp({ dashboardDir: false });
    const res = await closed.inject({ method: 'POST', url: ENROLL_PATH, payload: request({ secret: '' }) });
    expect(res.statusCode).toBe(400);
    const res2 = await closed.inject({ method: 'POST', url: ENROLL_PATH, payload: request() });
    expect(res2.statusCode).toBe(401);
    await closed.close();
  });
});
