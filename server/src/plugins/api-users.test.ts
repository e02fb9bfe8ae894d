import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { type Session, signIn } from '../test-support/auth.js';
import { SECRET } from '../test-support/fixtures.js';

const PASSWORD = 'Stadtwerke-2026!';

describe('user administration under /api/v1/users', () => {
  let app: FastifyInstance;
  let admin: Session;

  beforeEach(async () => {
    app = await buildApp({ enrollSecrets: [SECRET], dashboardDir: false });
    admin = await signIn(app, 'admin', 'chefin');
  });
  afterEach(async () => {
    await app.close();
  });

  const login = (name: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name, password } });
  const names = async () =>
    ((await admin.inject('/api/v1/users')).json() as { users: { name: string; role: string }[] }).users.map(
      (u) => `${u.name}:${u.role}`,
    );

  it('adds a user who can then sign in with the initial password, and lists users without hashes', async () => {
    const res = await admin.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { name: 'sd.meier', role: 'servicedesk', password: PASSWORD },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ name: 'sd.meier', role: 'servicedesk', id: expect.any(Number) });
    expect((await login('sd.meier', PASSWORD)).json()).toEqual({ name: 'sd.meier', role: 'servicedesk' });
    const listed = await admin.inject('/api/v1/users');
    expect(await names()).toEqual(['chefin:admin', 'sd.meier:servicedesk']);
    expect(listed.body).not.toContain('scrypt');
  });

  it('refuses short passwords, bad names, unknown roles and taken names with a reason', async () => {
    const post = (payload: object) => admin.inject({ method: 'POST', url: '/api/v1/users', payload });
    const short = await post({ name: 'kurz', role: 'viewer', password: 'elf-zeichen' });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({
      code: 'LB_ERR_REQUEST_INVALID',
      message: expect.stringContaining('password'),
    });
    expect((await post({ name: ' leer', role: 'viewer', password: PASSWORD })).statusCode).toBe(400);
    expect((await post({ name: 'rolle', role: 'root', password: PASSWORD })).statusCode).toBe(400);
    const taken = await post({ name: 'CHEFIN', role: 'viewer', password: PASSWORD });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({
      code: 'LB_ERR_REQUEST_INVALID',
      message: expect.stringContaining('exists'),
    });
    expect(await names()).toEqual(['chefin:admin']);
  });

  it('changes a role, which the user’s open session follows at once', async () => {
    const viewer = await signIn(app, 'viewer', 'leser');
    expect((await viewer.inject('/api/v1/devices/dev_x')).statusCode).toBe(403);
    const res = await admin.inject({
      method: 'PATCH',
      url: '/api/v1/users/LESER',
      payload: { role: 'servicedesk' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'leser', role: 'servicedesk' });
    expect((await viewer.inject('/api/v1/auth/me')).json()).toEqual({ name: 'leser', role: 'servicedesk' });
    expect((await viewer.inject('/api/v1/devices/dev_x')).statusCode).toBe(404);
    const unknown = await admin.inject({
      method: 'PATCH',
      url: '/api/v1/users/niemand',
      payload: { role: 'viewer' },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('resets a password: the old one stops working and the user’s sessions end', async () => {
    const viewer = await signIn(app, 'viewer', 'leser');
    const res = await admin.inject({
      method: 'PUT',
      url: '/api/v1/users/leser/password',
      payload: { password: PASSWORD },
    });
    expect(res.statusCode, res.body).toBe(204);
    expect((await viewer.inject('/api/v1/auth/me')).statusCode).toBe(401);
    expect((await login('leser', PASSWORD)).statusCode).toBe(200);
    const short = await admin.inject({
      method: 'PUT',
      url: '/api/v1/users/leser/password',
      payload: { password: 'zu-kurz' },
    });
    expect(short.statusCode).toBe(400);
    expect((await login('leser', PASSWORD)).statusCode).toBe(200);
  });

  it('removes a user, whose session ends, but never oneself', async () => {
    const viewer = await signIn(app, 'viewer', 'leser');
    expect((await admin.inject({ method: 'DELETE', url: '/api/v1/users/leser' })).statusCode).toBe(204);
    expect((await viewer.inject('/api/v1/auth/me')).statusCode).toBe(401);
    expect((await admin.inject({ method: 'DELETE', url: '/api/v1/users/leser' })).statusCode).toBe(404);

    await signIn(app, 'admin', 'zweite');
    const self = await admin.inject({ method: 'DELETE', url: '/api/v1/users/Chefin' });
    expect(self.statusCode).toBe(409);
    expect(self.json().message).toContain('your own');
    const demoteSelf = await admin.inject({
      method: 'PATCH',
      url: '/api/v1/users/chefin',
      payload: { role: 'viewer' },
    });
    expect(demoteSelf.statusCode).toBe(409);
    expect(await names()).toEqual(['chefin:admin', 'zweite:admin']);
  });

  it('never demotes or removes the last admin, even when two admins try it at once', async () => {
    const other = await signIn(app, 'admin', 'zweite');
    // each demotes the other at the same moment: one must win, one must be refused
    const [a, b] = await Promise.all([
      admin.inject({ method: 'PATCH', url: '/api/v1/users/zweite', payload: { role: 'viewer' } }),
      other.inject({ method: 'PATCH', url: '/api/v1/users/chefin', payload: { role: 'viewer' } }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const admins = (await names()).filter((n) => n.endsWith(':admin'));
    expect(admins).toHaveLength(1);
  });

  it('never removes the last admin when two admins remove each other at once', async () => {
    const other = await signIn(app, 'admin', 'zweite');
    const [a, b] = await Promise.all([
      admin.inject({ method: 'DELETE', url: '/api/v1/users/zweite' }),
      other.inject({ method: 'DELETE', url: '/api/v1/users/chefin' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([204, 409]);
    expect((a.statusCode === 409 ? a : b).json().message).toContain('last admin');
    expect((await names()).filter((n) => n.endsWith(':admin'))).toHaveLength(1);
  });
});
