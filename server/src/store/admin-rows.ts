import type { CheckName } from '@lagebild/shared';
import type { EnrollSecretInfo, StoredCommand } from './store.js';

// Enrollment secret and command rows as both engines select them, and their mapping to the API.

export const SECRET_COLUMNS = 'id, label, created_at, revoked_at, last_used_at, uses';
export const COMMAND_COLUMNS =
  'id, device_id, check_name, created_at, expires_at, delivered_at, status, message, updated_at';

export interface SecretRow {
  id: string;
  label: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
  uses: number;
}

export interface CommandRow {
  id: string;
  device_id: string;
  check_name: string;
  created_at: number;
  expires_at: number;
  delivered_at: number | null;
  status: string;
  message: string | null;
  updated_at: number;
}

/** What revoking a device's token stores and records. */
export const REVOKED = {
  /** stored in place of the token hash: no SHA-256 hex digest can equal it */
  token: 'revoked',
  /** the detail of the 'enroll' event */
  detail: 'token revoked by an administrator',
} as const;

export const toSecret = (r: SecretRow): EnrollSecretInfo => ({
  id: r.id,
  label: r.label,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  uses: r.uses,
});

/** A queued command past its expiry reads as expired. */
export function toCommand(r: CommandRow, now: number): StoredCommand {
  const expired = r.status === 'queued' && r.delivered_at === null && r.expires_at <= now;
  return {
    id: r.id,
    deviceId: r.device_id,
    check: r.check_name as CheckName,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    deliveredAt: r.delivered_at,
    status: (expired ? 'expired' : r.status) as StoredCommand['status'],
    message: r.message,
    updatedAt: r.updated_at,
  };
}
