/** The dashboard's roles (the server's permission table decides what each may do). */
export type Role = 'admin' | 'servicedesk' | 'viewer' | 'datenschutz';

export interface SignedInUser {
  name: string;
  role: Role;
}

const ROLES: readonly Role[] = ['admin', 'servicedesk', 'viewer', 'datenschutz'];

const ME = '/api/v1/auth/me';
const LOGIN = '/api/v1/auth/login';
const LOGOUT = '/api/v1/auth/logout';

function toUser(value: unknown): SignedInUser | null {
  if (typeof value !== 'object' || value === null) return null;
  const { name, role } = value as { name?: unknown; role?: unknown };
  if (typeof name !== 'string' || !ROLES.includes(role as Role)) return null;
  return { name, role: role as Role };
}

/** Who is signed in: the user, null without a session; throws when the server cannot be asked. */
export async function fetchMe(fetchFn: typeof fetch = fetch): Promise<SignedInUser | null> {
  const res = await fetchFn(ME, { headers: { accept: 'application/json' } });
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const user = toUser(await res.json());
  if (!user) throw new Error('unexpected answer');
  return user;
}

/** Outcome of a sign-in: the user, wrong credentials, or a failure that is not the user's fault. */
export type LoginResult = { ok: true; user: SignedInUser } | { ok: false; reason: 'credentials' | 'error' };

export async function login(
  name: string,
  password: string,
  fetchFn: typeof fetch = fetch,
): Promise<LoginResult> {
  let res: Response;
  try {
    res = await fetchFn(LOGIN, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ name, password }),
    });
  } catch {
    return { ok: false, reason: 'error' };
  }
  // 400: empty fields the form did not catch; same message as a wrong password
  if (res.status === 401 || res.status === 400) return { ok: false, reason: 'credentials' };
  const user = res.ok ? toUser(await res.json().catch(() => null)) : null;
  return user ? { ok: true, user } : { ok: false, reason: 'error' };
}

/** Ends the session on the server; the cookie is cleared by its answer. */
export async function logout(fetchFn: typeof fetch = fetch): Promise<void> {
  await fetchFn(LOGOUT, { method: 'POST' }).catch(() => undefined);
}

function pathOf(input: RequestInfo | URL): string {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    return new URL(url, 'http://x').pathname;
  } catch {
    return url;
  }
}

/**
 * Wraps `fetch` so that a 401 from any API call (an expired or ended session) reports itself through
 * `onUnauthenticated`, wherever in the app the call was made. The sign-in call itself is exempt: its
 * 401 means a wrong password.
 */
export function guardFetch(fetchFn: typeof fetch, onUnauthenticated: () => void): typeof fetch {
  return async (input, init) => {
    const res = await fetchFn(input, init);
    if (res.status === 401) {
      const path = pathOf(input);
      if (path.startsWith('/api/') && path !== LOGIN) onUnauthenticated();
    }
    return res;
  };
}
