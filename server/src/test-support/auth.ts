import type { FastifyInstance, InjectOptions, LightMyRequestResponse as InjectResponse } from 'fastify';
import { hashPassword } from '../auth/password.js';
import type { Role } from '../auth/roles.js';
import type { Store } from '../store/store.js';

/** The password of every user the tests create. */
export const TEST_PASSWORD = 'Rathaus-Test-2025!';

// scrypt takes about 100 ms: one hash serves every test user of a test file
let testHash: Promise<string> | undefined;

/** Creates user `name` (default: the role's name) with TEST_PASSWORD unless it exists. */
export async function addTestUser(store: Store, role: Role, name: string = role): Promise<void> {
  if (await store.userByName(name)) return;
  testHash ??= hashPassword(TEST_PASSWORD);
  await store.addUser({ name, role, passwordHash: await testHash, now: Date.now() });
}

/** `app.inject` with a signed-in user's session cookie. */
export type SignedInInject = (options: string | InjectOptions) => Promise<InjectResponse>;

export interface Session {
  /** `lagebild_session=…`, for a Cookie header */
  cookie: string;
  inject: SignedInInject;
}

/** Reads the session cookie from a login answer's Set-Cookie header. */
export function sessionCookieOf(setCookie: string | string[] | undefined | null): string {
  const header = [setCookie ?? []].flat().join('\n');
  const match = /lagebild_session=([A-Za-z0-9_-]{43})/.exec(header);
  if (!match) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  return `lagebild_session=${match[1]}`;
}

/** Creates a user with `role` in the app's store and signs in through POST /api/v1/auth/login. */
export async function signIn(
  app: FastifyInstance,
  role: Role = 'admin',
  name: string = role,
): Promise<Session> {
  await addTestUser(app.store, role, name);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { name, password: TEST_PASSWORD },
  });
  if (res.statusCode !== 200) throw new Error(`login as ${name} failed: ${res.statusCode} ${res.body}`);
  const cookie = sessionCookieOf(res.headers['set-cookie']);
  const inject: SignedInInject = (options) => {
    const o: InjectOptions = typeof options === 'string' ? { url: options } : options;
    return app.inject({ ...o, headers: { ...o.headers, cookie } });
  };
  return { cookie, inject };
}

/** Signs in over real HTTP (a listening server, e.g. another process); returns the Cookie header value. */
export async function signInHttp(
  baseUrl: string,
  name: string,
  password: string = TEST_PASSWORD,
): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${name} failed: ${res.status} ${await res.text()}`);
  return sessionCookieOf(res.headers.getSetCookie());
}
