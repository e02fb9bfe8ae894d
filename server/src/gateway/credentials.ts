import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new device id: `dev_` + 16 lowercase hex digits. */
export function newDeviceId(): string {
  return `dev_${randomBytes(8).toString('hex')}`;
}

/** A new device token: 256 random bits, base64url. Only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a secret or token, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented token with a stored hash in constant time. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
