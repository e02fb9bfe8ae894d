import type { CheckName } from '@lagebild/shared';
import type pg from 'pg';
import type { EnrollSecretInfo, NewCommand, NewEnrollSecret, StoredCommand } from '../store.js';

interface SecretRow {
  id: string;
  label: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
  uses: number;
}

interface CommandRow {
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

/** Stored in place of a revoked device's token hash: no SHA-256 hex digest can equal it. */
const REVOKED_TOKEN = 'revoked';

const SECRET_COLUMNS = 'id, label, created_at, revoked_at, last_used_at, uses';
const COMMAND_COLUMNS =
  'id, device_id, check_name, created_at, expires_at, delivered_at, status, message, updated_at';

const toSecret = (r: SecretRow): EnrollSecretInfo => ({
  id: r.id,
  label: r.label,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  uses: r.uses,
});

function toCommand(r: CommandRow, now: number): StoredCommand {
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

/** Enrollment secrets, device revocation and the command queue. */
export function createAdminOps(pool: pg.Pool) {
  return {
    async addEnrollSecret(input: NewEnrollSecret): Promise<{ info: EnrollSecretInfo; created: boolean }> {
      const inserted = await pool.query<SecretRow>(
        `INSERT INTO enroll_secrets (id, label, secret_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (secret_hash) DO NOTHING RETURNING ${SECRET_COLUMNS}`,
        [input.id, input.label, input.secretHash, input.now],
      );
      if (inserted.rows[0]) return { info: toSecret(inserted.rows[0]), created: true };
      const { rows } = await pool.query<SecretRow>(
        `SELECT ${SECRET_COLUMNS} FROM enroll_secrets WHERE secret_hash = $1`,
        [input.secretHash],
      );
      return { info: toSecret(rows[0]!), created: false };
    },

    async listEnrollSecrets(): Promise<EnrollSecretInfo[]> {
      const { rows } = await pool.query<SecretRow>(
        `SELECT ${SECRET_COLUMNS} FROM enroll_secrets ORDER BY created_at, id COLLATE "C"`,
      );
      return rows.map(toSecret);
    },

    async revokeEnrollSecret(id: string, now: number): Promise<boolean> {
      const r = await pool.query(
        'UPDATE enroll_secrets SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
        [now, id],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async useEnrollSecret(secretHash: string, now: number): Promise<string | null> {
      const { rows } = await pool.query<{ id: string }>(
        `UPDATE enroll_secrets SET uses = uses + 1, last_used_at = $1
         WHERE secret_hash = $2 AND revoked_at IS NULL RETURNING id`,
        [now, secretHash],
      );
      return rows[0]?.id ?? null;
    },

    async revokeDevice(deviceId: string, now: number): Promise<boolean> {
      const r = await pool.query(
        `WITH d AS (UPDATE devices SET token_hash = $1, revoked_at = $2 WHERE id = $3 RETURNING id)
         INSERT INTO events (device_id, ts, kind, from_state, to_state, detail)
         SELECT id, $2, 'enroll', NULL, 'revoked', 'token revoked by an administrator' FROM d`,
        [REVOKED_TOKEN, now, deviceId],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async addCommand(input: NewCommand): Promise<StoredCommand> {
      const { rows } = await pool.query<CommandRow>(
        `INSERT INTO commands (id, device_id, check_name, created_at, expires_at, status, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'queued', $4) RETURNING ${COMMAND_COLUMNS}`,
        [input.id, input.deviceId, input.check, input.now, input.expiresAt],
      );
      return toCommand(rows[0]!, input.now);
    },

    async pendingCommands(deviceId: string, now: number): Promise<StoredCommand[]> {
      const { rows } = await pool.query<CommandRow>(
        `SELECT ${COMMAND_COLUMNS} FROM commands
         WHERE device_id = $1 AND delivered_at IS NULL AND status = 'queued' AND expires_at > $2
         ORDER BY created_at, id COLLATE "C"`,
        [deviceId, now],
      );
      return rows.map((r) => toCommand(r, now));
    },

    async commandDelivered(id: string, now: number): Promise<boolean> {
      const r = await pool.query(
        `UPDATE commands SET delivered_at = $1, status = 'sent', updated_at = $1
         WHERE id = $2 AND delivered_at IS NULL`,
        [now, id],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async commandRequeued(id: string, now: number): Promise<void> {
      await pool.query(
        `UPDATE commands SET delivered_at = NULL, status = 'queued', updated_at = $1 WHERE id = $2 AND status = 'sent'`,
        [now, id],
      );
    },

    async commandResult(
      deviceId: string,
      id: string,
      status: 'running' | 'done' | 'failed',
      message: string | null,
      now: number,
    ): Promise<boolean> {
      const r = await pool.query(
        'UPDATE commands SET status = $1, message = $2, updated_at = $3 WHERE id = $4 AND device_id = $5',
        [status, message, now, id, deviceId],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async command(id: string, now: number): Promise<StoredCommand | null> {
      const { rows } = await pool.query<CommandRow>(`SELECT ${COMMAND_COLUMNS} FROM commands WHERE id = $1`, [
        id,
      ]);
      return rows[0] ? toCommand(rows[0], now) : null;
    },
  };
}
