/** The password of the users the cross-package tests create. */
export const TEST_PASSWORD = 'Rathaus-Test-2025!';

/** `lagebild_session=…` from a login answer's Set-Cookie header(s). */
export function sessionCookieOf(setCookie: string | string[] | undefined): string {
  const match = /lagebild_session=([A-Za-z0-9_-]{43})/.exec([setCookie ?? []].flat().join('\n'));
  if (!match) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  return `lagebild_session=${match[1]}`;
}

/** Signs in over HTTP at POST /api/v1/auth/login; returns the Cookie header value for later requests. */
export async function signInHttp(baseUrl: string, name = 'admin', password = TEST_PASSWORD): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${name} failed: ${res.status} ${await res.text()}`);
  return sessionCookieOf(res.headers.getSetCookie());
}
