import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { EnrollSecretInfo, Store } from '../store/store.js';
import { hashSecret } from './credentials.js';

/** A new enrollment secret: 192 random bits, base64url (32 characters). */
export function newEnrollSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** A new secret id: `sec_` + 12 hex digits; this is what admins list and revoke. */
export function newSecretId(): string {
  return `sec_${randomBytes(6).toString('hex')}`;
}

/** Generates a secret, stores its hash and returns the secret once together with its record. */
export async function createEnrollSecret(
  store: Store,
  label: string,
  now: number,
): Promise<{ secret: string; info: EnrollSecretInfo }> {
  const secret = newEnrollSecret();
  const { info } = await store.addEnrollSecret({
    id: newSecretId(),
    label,
    secretHash: hashSecret(secret),
    now,
  });
  return { secret, info };
}

/**
 * Stores the secrets given on the command line or to buildApp, so they are accepted, listed and revocable
 * like generated ones. A secret an admin revoked stays revoked even when it is still configured.
 */
export async function seedEnrollSecrets(
  store: Store,
  secrets: readonly string[],
  now: number,
  log: FastifyBaseLogger,
): Promise<void> {
  for (const secret of secrets) {
    const { info } = await store.addEnrollSecret({
      id: newSecretId(),
      label: 'configured',
      secretHash: hashSecret(secret),
      now,
    });
    if (info.revokedAt !== null)
      log.warn({ secretId: info.id }, 'a configured enrollment secret was revoked and is not accepted');
  }
}
