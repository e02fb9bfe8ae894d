import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { LIVE_WS_PATH } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../app.js';
import { type Session, signIn } from '../test-support/auth.js';
import { enroll, SECRET } from '../test-support/fixtures.js';
import { allowedRoles, PERMISSIONS, PUBLIC_ROUTES } from './permissions.js';
import { ROLES, type Role } from './roles.js';

/** Builds the app while recording every route it registers (Fastify announces new instances on this channel). */
async function buildRecording() {
  const routes: string[] = [];
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
    });
  };
  subscribe('fastify.initialization', onInit);
  try {
    const app = await buildApp({ enrollSecrets: [SECRET], dashboardDir: false, liveFlushMs: 20 });
    return { app, routes };
  } finally {
    unsubscribe('fastify.initialization', onInit);
  }
}

const GUARDED = (url: string) => url.startsWith('/api/v1/') || url === LIVE_WS_PATH;

describe('permission table', () => {
  let app: FastifyInstance;
  let routes: string[];
  let deviceId: string;
  let base: string;
  const sessions = new Map<Role, Session>();

  beforeAll(async () => {
    ({ app, routes } = await buildRecording());
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    ({ deviceId } = await enroll(app, 'hw-perm', 'nb-perm'));
    for (const role of ROLES) sessions.set(role, await signIn(app, role));
  });
  afterAll(async () => {
    await app.close();
  });

  it('lists every registered /api/v1 route and the live socket, and nothing that does not exist', () => {
    const registered = routes.filter((r) => !r.startsWith('HEAD ') && GUARDED(r.split(' ')[1]!));
    expect(registered.length).toBeGreaterThan(15);
    const missing = registered.filter((r) => !(r in PERMISSIONS) && !PUBLIC_ROUTES.has(r));
    expect(missing, 'routes missing from permissions.ts are denied to everyone').toEqual([]);
    const stale = Object.keys(PERMISSIONS).filter((r) => !registered.includes(r));
    expect(stale).toEqual([]);
  });

  it('gives admin everything, servicedesk no settings, viewer no device detail, datenschutz no device data', () => {
    expect(allowedRoles('GET', '/api/v1/not-in-the-table')).toEqual([]);
    for (const key of Object.keys(PERMISSIONS)) expect(PERMISSIONS[key], key).toContain('admin');
    const of = (role: Role) =>
      Object.keys(PERMISSIONS)
        .filter((k) => PERMISSIONS[k]!.includes(role))
        .sort();
    expect(of('datenschutz')).toEqual(['GET /api/v1/auth/me', 'POST /api/v1/auth/logout']);
    expect(of('viewer')).toEqual(
      [
        'GET /api/v1/auth/me',
        'POST /api/v1/auth/logout',
        'GET /api/v1/fleet',
        'GET /api/v1/devices',
        'GET /api/v1/apps/latency',
        'GET /api/v1/apps/stats',
        `GET ${LIVE_WS_PATH}`,
      ].sort(),
    );
    expect(of('servicedesk')).toEqual(
      [
        ...of('viewer'),
        'GET /api/v1/devices/:id',
        'POST /api/v1/devices/:id/checks',
        'GET /api/v1/commands/:id',
      ].sort(),
    );
  });

  /** One call per route; `ok` is the status an allowed role gets. */
  const calls = (): { route: string; url: string; payload?: object; ok: number }[] => [
    { route: 'GET /api/v1/auth/me', url: '/api/v1/auth/me', ok: 200 },
    { route: 'GET /api/v1/fleet', url: '/api/v1/fleet', ok: 200 },
    { route: 'GET /api/v1/devices', url: '/api/v1/devices?q=nb', ok: 200 },
    { route: 'GET /api/v1/devices/:id', url: `/api/v1/devices/${deviceId}`, ok: 200 },
    { route: 'GET /api/v1/apps/latency', url: '/api/v1/apps/latency?minutes=60', ok: 200 },
    { route: 'GET /api/v1/apps/stats', url: '/api/v1/apps/stats?minutes=60', ok: 200 },
    {
      route: 'POST /api/v1/devices/:id/checks',
      url: `/api/v1/devices/${deviceId}/checks`,
      payload: { check: 'vpn' },
      ok: 202,
    },
    { route: 'GET /api/v1/commands/:id', url: '/api/v1/commands/cmd_unknown', ok: 404 },
    { route: 'GET /api/v1/config/probes', url: '/api/v1/config/probes', ok: 200 },
    { route: 'PUT /api/v1/config/probes', url: '/api/v1/config/probes', payload: { probes: [] }, ok: 200 },
    { route: 'GET /api/v1/enroll-secrets', url: '/api/v1/enroll-secrets', ok: 200 },
    { route: 'POST /api/v1/enroll-secrets', url: '/api/v1/enroll-secrets', payload: { label: 'x' }, ok: 201 },
    { route: 'DELETE /api/v1/enroll-secrets/:id', url: '/api/v1/enroll-secrets/sec_unknown', ok: 404 },
    { route: 'POST /api/v1/devices/:id/revoke', url: '/api/v1/devices/dev_unknown/revoke', ok: 404 },
    { route: 'GET /api/v1/users', url: '/api/v1/users', ok: 200 },
    {
      route: 'POST /api/v1/users',
      url: '/api/v1/users',
      payload: { name: 'perm-new', role: 'viewer', password: 'long-enough-password' },
      ok: 201,
    },
    { route: 'PATCH /api/v1/users/:name', url: '/api/v1/users/nobody', payload: { role: 'viewer' }, ok: 404 },
    {
      route: 'PUT /api/v1/users/:name/password',
      url: '/api/v1/users/nobody/password',
      payload: { password: 'long-enough-password' },
      ok: 404,
    },
    { route: 'DELETE /api/v1/users/:name', url: '/api/v1/users/nobody', ok: 404 },
    { route: 'GET /api/v1/settings', url: '/api/v1/settings', ok: 200 },
    {
      route: 'POST /api/v1/config/probes/preview',
      url: '/api/v1/config/probes/preview',
      payload: { id: 'p', app: 'P', kind: 'tcp', target: '127.0.0.1:1', intervalSec: 30, timeoutMs: 500 },
      ok: 200,
    },
  ];

  it('answers every guarded route by role: allowed, 403 forbidden, or 401 without a session', async () => {
    const covered = new Set(calls().map((c) => c.route));
    covered.add('POST /api/v1/auth/logout');
    covered.add(`GET ${LIVE_WS_PATH}`);
    expect([...covered].sort()).toEqual(Object.keys(PERMISSIONS).sort());

    for (const call of calls()) {
      const method = call.route.split(' ')[0] as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      const anonymous = await app.inject({ method, url: call.url, payload: call.payload });
      expect(anonymous.statusCode, `${call.route} without a session`).toBe(401);
      expect(anonymous.json()).toMatchObject({ error: 'unauthenticated', code: 'LB_ERR_UNAUTHENTICATED' });
      for (const role of ROLES) {
        const res = await sessions.get(role)!.inject({ method, url: call.url, payload: call.payload });
        const name = `${call.route} as ${role}: ${res.body}`;
        if (allowedRoles(method, call.route.split(' ')[1]!).includes(role)) {
          expect(res.statusCode, name).toBe(call.ok);
        } else {
          expect(res.statusCode, name).toBe(403);
          expect(res.json(), name).toMatchObject({ error: 'forbidden', code: 'LB_ERR_FORBIDDEN' });
        }
      }
    }
  });

  it('lets every role sign out, and nobody without a session', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(401);
    for (const role of ROLES) {
      const session = await signIn(app, role);
      const res = await session.inject({ method: 'POST', url: '/api/v1/auth/logout' });
      expect(res.statusCode, role).toBe(204);
      expect((await session.inject('/api/v1/auth/me')).statusCode, role).toBe(401);
    }
  });

  /** Status of the live WebSocket upgrade: 101 when it opens, else the refusal's HTTP status. */
  const upgrade = (cookie?: string) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${base}${LIVE_WS_PATH}`, { headers: cookie ? { cookie } : {} });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', reject);
    });

  it('opens the live socket to fleet roles only and refuses the upgrade otherwise', async () => {
    expect(await upgrade()).toBe(401);
    expect(await upgrade('lagebild_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe(401);
    for (const role of ROLES) {
      const expected = allowedRoles('GET', LIVE_WS_PATH).includes(role) ? 101 : 403;
      expect(await upgrade(sessions.get(role)!.cookie), role).toBe(expected);
    }
  });
});
