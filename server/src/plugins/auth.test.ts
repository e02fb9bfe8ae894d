import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { hashSessionId } from '../auth/session.js';
import { changePassword, createUser, removeUser } from '../auth/users.js';
import { resolveOptions } from '../options.js';
import { addTestUser, sessionCookieOf, signIn, TEST_PASSWORD } from '../test-support/auth.js';
import { fakeClock } from '../test-support/fixtures.js';
import { FrameSocket } from '../test-support/frame-socket.js';

const HOUR = 3_600_000;

describe('sign-in, sessions and the CSRF guard', () => {
  const clock = fakeClock();
  let app: FastifyInstance;
  afterEach(async () => {
    await app?.close();
  });
  const start = async (options: Parameters<typeof buildApp>[0] = {}) => {
    app = await buildApp({ dashboardDir: false, now: clock.now, ...options });
    return app;
  };
  const login = (name: string, password: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name, password }, headers });

  it('signs in with name (any case) and password: the answer names the user and sets a strict HttpOnly cookie', async () => {
    await start();
    await createUser(app.store, {
      name: 'Sabine.SD',
      role: 'servicedesk',
      password: TEST_PASSWORD,
      now: clock.now(),
    });
    const res = await login('sabine.sd', TEST_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'Sabine.SD', role: 'servicedesk' });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^lagebild_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure');
    const cookie = sessionCookieOf(res.headers['set-cookie']);
    const me = await app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ name: 'Sabine.SD', role: 'servicedesk' });
    // only the hash of the cookie value is stored
    const id = cookie.split('=')[1]!;
    expect(await app.store.touchSession(id, clock.now(), clock.now() + HOUR)).toBeNull();
    expect(await app.store.touchSession(hashSessionId(id), clock.now(), clock.now() + HOUR)).not.toBeNull();
  });

  it('marks the cookie Secure when the server runs TLS or is told so', async () => {
    expect(resolveOptions({ tls: { cert: 'c', key: 'k' } }).secureCookies).toBe(true);
    expect(resolveOptions({}).secureCookies).toBe(false);
    await start({ secureCookies: true });
    await addTestUser(app.store, 'viewer');
    const res = await login('viewer', TEST_PASSWORD);
    expect(String(res.headers['set-cookie'])).toContain('; Secure');
  });

  it('answers a wrong password and an unknown name alike, with the same scrypt work', async () => {
    await start();
    await addTestUser(app.store, 'admin');
    await login('admin', TEST_PASSWORD); // warms the dummy hash
    const timed = async (name: string, password: string) => {
      const t = performance.now();
      const res = await login(name, password);
      return { res, ms: performance.now() - t };
    };
    const wrong = await timed('admin', 'not the password at all');
    const unknown = await timed('nobody', 'not the password at all');
    for (const { res } of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        statusCode: 401,
        code: 'LB_ERR_LOGIN_FAILED',
        message: 'Name or password is wrong',
      });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // scrypt takes tens of milliseconds; an unknown name must not answer at once
    expect(unknown.ms).toBeGreaterThan(wrong.ms / 3);
    expect((await login('admin', '')).statusCode).toBe(400);
  });

  it('ends the session on logout: the cookie is cleared and no longer accepted', async () => {
    await start();
    const { cookie, inject } = await signIn(app, 'admin');
    const out = await inject({ method: 'POST', url: '/api/v1/auth/logout' });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^lagebild_session=; .*Max-Age=0/);
    const me = await app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.statusCode).toBe(401);
    expect(me.json()).toMatchObject({ error: 'unauthenticated' });
  });

  it('ends a session after 8 h without use and 24 h after sign-in however busy', async () => {
    await start();
    const idle = await signIn(app, 'viewer');
    const busy = await signIn(app, 'admin');
    for (const h of [7, 14, 21]) {
      clock.advance(7 * HOUR);
      expect((await busy.inject('/api/v1/auth/me')).statusCode, `after ${h} h`).toBe(200);
    }
    // the idle one was last used 21 h ago
    expect((await idle.inject('/api/v1/auth/me')).statusCode).toBe(401);
    clock.advance(3 * HOUR - 1);
    expect((await busy.inject('/api/v1/auth/me')).statusCode).toBe(200);
    clock.advance(1);
    expect((await busy.inject('/api/v1/auth/me')).statusCode).toBe(401);
    // both are left for the retention job to remove
    expect(await app.store.deleteExpiredSessions(clock.now())).toBe(2);
  });

  it('takes the lifetimes from the options', async () => {
    await start({ sessionIdleMs: HOUR, sessionAbsoluteMs: 2 * HOUR });
    const s = await signIn(app, 'viewer');
    clock.advance(HOUR - 1);
    expect((await s.inject('/api/v1/fleet')).statusCode).toBe(200);
    clock.advance(HOUR - 1);
    expect((await s.inject('/api/v1/fleet')).statusCode).toBe(200);
    clock.advance(2);
    expect((await s.inject('/api/v1/fleet')).statusCode).toBe(401);
  });

  it('ends the sessions of a removed user and of one whose password changed', async () => {
    await start();
    const gone = await signIn(app, 'servicedesk', 'sd1');
    const changed = await signIn(app, 'servicedesk', 'sd2');
    await removeUser(app.store, 'SD1');
    expect((await gone.inject('/api/v1/fleet')).statusCode).toBe(401);
    expect((await login('sd1', TEST_PASSWORD)).statusCode).toBe(401);
    await changePassword(app.store, 'sd2', 'a completely new secret');
    expect((await changed.inject('/api/v1/fleet')).statusCode).toBe(401);
    expect((await login('sd2', 'a completely new secret')).statusCode).toBe(200);
  });

  it('closes an open live socket soon after its session ends', async () => {
    await start({ liveSessionCheckMs: 50 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { cookie } = await signIn(app, 'viewer', 'wall-display');
    const other = await signIn(app, 'viewer', 'stays');
    const url = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/v1/live`;
    const removed = await FrameSocket.open(url, { headers: { cookie } });
    const staying = await FrameSocket.open(url, { headers: { cookie: other.cookie } });
    expect(await removed.next()).toMatchObject({ type: 'snapshot' });
    expect(await staying.next()).toMatchObject({ type: 'snapshot' });
    const t = Date.now();
    await removeUser(app.store, 'wall-display');
    await removed.closed;
    expect(Date.now() - t).toBeLessThan(2000);
    // the other user's socket stays open
    await new Promise((r) => setTimeout(r, 200));
    expect(staying.ws.readyState).toBe(1);
    await staying.close();
  });

  it('refuses forged or malformed session cookies', async () => {
    await start();
    await signIn(app, 'admin');
    for (const cookie of [
      'lagebild_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'lagebild_session=short',
      'other=1',
    ]) {
      const res = await app.inject({ url: '/api/v1/fleet', headers: { cookie } });
      expect(res.statusCode, cookie).toBe(401);
    }
  });

  it('refuses changing requests whose Origin is another host, also the login', async () => {
    await start({ enrollSecrets: ['s'] });
    const { cookie } = await signIn(app, 'admin');
    const put = (origin?: string) =>
      app.inject({
        method: 'PUT',
        url: '/api/v1/config/probes',
        payload: { probes: [] },
        headers: { cookie, host: 'lagebild.stadt.example', ...(origin ? { origin } : {}) },
      });
    expect((await put('https://lagebild.stadt.example')).statusCode).toBe(200);
    expect((await put()).statusCode).toBe(200);
    for (const origin of ['https://evil.example', 'null', 'https://lagebild.stadt.example.evil.example']) {
      const res = await put(origin);
      expect(res.statusCode, origin).toBe(403);
      expect(res.json()).toMatchObject({ error: 'forbidden', code: 'LB_ERR_ORIGIN_MISMATCH' });
    }
    const foreignLogin = await login('admin', TEST_PASSWORD, { origin: 'https://evil.example' });
    expect(foreignLogin.statusCode).toBe(403);
    // reading is not changing: a GET from another origin only needs the session (SameSite keeps it home)
    const get = await app.inject({
      url: '/api/v1/fleet',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(get.statusCode).toBe(200);
  });

  it('keeps /healthz, /metrics, /docs and enrollment open without a session', async () => {
    await start({ enrollSecrets: ['s'] });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/metrics')).statusCode).toBe(200);
    expect((await app.inject('/docs/json')).statusCode).toBe(200);
    const enroll = await app.inject({ method: 'POST', url: '/v1/enroll', payload: { secret: 'wrong' } });
    expect(enroll.statusCode).toBe(400);
  });
});
