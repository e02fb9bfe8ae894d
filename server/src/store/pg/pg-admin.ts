import type pg from 'pg';
import type { CommandRow, SecretRow } from '../admin-rows.js';
import { COMMAND_COLUMNS, REVOKED, SECRET_COLUMNS, toCommand, toSecret } from '../admin-rows.js';
import type { AdminParts } from '../composed-store.js';

/** Enrollment secrets, device revocation and the command queue. */
export function createAdminOps(pool: pg.Pool): AdminParts {
  return {
    async addEnrollSecret(input) {
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

    async listEnrollSecrets() {
      const { rows } = await pool.query<SecretRow>(
        `SELECT ${SECRET_COLUMNS} FROM enroll_secrets ORDER BY created_at, id COLLATE "C"`,
      );
      return rows.map(toSecret);
    },

    async revokeEnrollSecret(id, now) {
      const r = await pool.query(
        'UPDATE enroll_secrets SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
        [now, id],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async useEnrollSecret(secretHash, now) {
      const { rows } = await pool.query<{ id: string }>(
        `UPDATE enroll_secrets SET uses = uses + 1, last_used_at = $1
         WHERE secret_hash = $2 AND revoked_at IS NULL RETURNING id`,
        [now, secretHash],
      );
      return rows[0]?.id ?? null;
    },

    async revokeDevice(deviceId, now) {
      const r = await pool.query(
        `WITH d AS (UPDATE devices SET token_hash = $1, revoked_at = $2 WHERE id = $3 RETURNING id)
         INSERT INTO events (device_id, ts, kind, from_state, to_state, detail)
         SELECT id, $2, 'enroll', NULL, 'revoked', $4 FROM d`,
        [REVOKED.token, now, deviceId, REVOKED.detail],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async addCommand(input) {
      const { rows } = await pool.query<CommandRow>(
        `INSERT INTO commands (id, device_id, check_name, created_at, expires_at, status, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'queued', $4) RETURNING ${COMMAND_COLUMNS}`,
        [input.id, input.deviceId, input.check, input.now, input.expiresAt],
      );
      return toCommand(rows[0]!, input.now);
    },

    async pendingCommands(deviceId, now) {
      const { rows } = await pool.query<CommandRow>(
        `SELECT ${COMMAND_COLUMNS} FROM commands
         WHERE device_id = $1 AND delivered_at IS NULL AND status = 'queued' AND expires_at > $2
         ORDER BY created_at, id COLLATE "C"`,
        [deviceId, now],
      );
      return rows.map((r) => toCommand(r, now));
    },

    async commandDelivered(id, now) {
      const r = await pool.query(
        `UPDATE commands SET delivered_at = $1, status = 'sent', updated_at = $1
         WHERE id = $2 AND delivered_at IS NULL`,
        [now, id],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async commandRequeued(id, now) {
      await pool.query(
        `UPDATE commands SET delivered_at = NULL, status = 'queued', updated_at = $1 WHERE id = $2 AND status = 'sent'`,
        [now, id],
      );
    },

    async commandResult(deviceId, id, status, message, now) {
      const r = await pool.query(
        'UPDATE commands SET status = $1, message = $2, updated_at = $3 WHERE id = $4 AND device_id = $5',
        [status, message, now, id, deviceId],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async command(id, now) {
      const { rows } = await pool.query<CommandRow>(`SELECT ${COMMAND_COLUMNS} FROM commands WHERE id = $1`, [
        id,
      ]);
      return rows[0] ? toCommand(rows[0], now) : null;
    },
  };
}
