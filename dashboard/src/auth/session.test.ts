import { describe, expect, it } from 'vitest';
import { canAdminister, canOpenDevices, canSeeFleet } from './context.js';
import { fetchMe, guardFetch, login } from './session.js';

/** A fetch that answers every call with `status` and `body`, recording what was asked. */
function answering(status: number, body: unknown = null) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    return new Response(body === null ? null : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { fn, calls };
}

describe('dashboard sign-in client', () => {
  it('reads who is signed in, or null on 401, and refuses answers of the wrong shape', async () => {
    expect(await fetchMe(answering(200, { name: 'anna', role: 'viewer' }).fn)).toEqual({
      name: 'anna',
      role: 'viewer',
    });
    expect(await fetchMe(answering(401, { error: 'unauthenticated' }).fn)).toBeNull();
    await expect(fetchMe(answering(200, { name: 'anna', role: 'root' }).fn)).rejects.toThrow();
    await expect(fetchMe(answering(503).fn)).rejects.toThrow('HTTP 503');
  });

  it('tells a wrong password from a failure that is not the user’s fault', async () => {
    const ok = answering(200, { name: 'sd', role: 'servicedesk' });
    expect(await login('sd', 'secret-password', ok.fn)).toEqual({
      ok: true,
      user: { name: 'sd', role: 'servicedesk' },
    });
    expect(ok.calls[0]).toMatchObject({ url: '/api/v1/auth/login', init: { method: 'POST' } });
    expect(JSON.parse(String(ok.calls[0]?.init?.body))).toEqual({ name: 'sd', password: 'secret-password' });
    expect(await login('sd', 'x', answering(401, { code: 'LB_ERR_LOGIN_FAILED' }).fn)).toEqual({
      ok: false,
      reason: 'credentials',
    });
    expect(await login('sd', 'x', answering(500).fn)).toEqual({ ok: false, reason: 'error' });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    expect(await login('sd', 'x', offline)).toEqual({ ok: false, reason: 'error' });
  });

  it('reports a 401 from any API call, but not from the sign-in itself or from other files', async () => {
    let reported = 0;
    const guarded = (status: number) => guardFetch(answering(status).fn, () => reported++);
    await guarded(401)('/api/v1/devices/dev_1');
    await guarded(401)(new URL('http://lagebild.example/api/v1/fleet'));
    expect(reported).toBe(2);
    await guarded(401)('/api/v1/auth/login', { method: 'POST' });
    await guarded(401)('/assets/app.js');
    await guarded(403)('/api/v1/enroll-secrets');
    await guarded(200)('/api/v1/fleet');
    expect(reported).toBe(2);
    // the caller still gets the answer
    expect((await guarded(401)('/api/v1/fleet')).status).toBe(401);
  });

  it('offers device pages to admin and servicedesk, settings to admin, fleet data to all but datenschutz', () => {
    expect(['admin', 'servicedesk', 'viewer', 'datenschutz'].map((r) => canOpenDevices(r as never))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(canAdminister('admin')).toBe(true);
    expect(canAdminister('servicedesk')).toBe(false);
    expect(canSeeFleet('viewer')).toBe(true);
    expect(canSeeFleet('datenschutz')).toBe(false);
  });
});
