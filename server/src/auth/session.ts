import { createHash, randomBytes } from 'node:crypto';

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'lagebild_session';

/** A new session id: 32 random bytes, base64url. Only its hash is stored. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** What the store keeps of a session id: SHA-256 hex, so a copy of the database signs nobody in. */
export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** The session id from a Cookie header, or null. */
export function sessionIdFrom(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    // 32 bytes in base64url are 43 characters; anything else was never issued
    return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
  }
  return null;
}

/** Set-Cookie value that installs (maxAgeSec > 0) or clears (0) the session cookie. */
export function sessionCookie(value: string, maxAgeSec: number, secure: boolean): string {
  const attrs = [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSec}`,
  ];
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}
