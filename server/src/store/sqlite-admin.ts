import type { Database } from 'better-sqlite3';
import type { CommandRow, SecretRow } from './admin-rows.js';
import { COMMAND_COLUMNS, REVOKED, SECRET_COLUMNS, toCommand, toSecret } from './admin-rows.js';
import type { AdminParts } from './composed-store.js';
import type { NewEnrollSecret } from './store.js';

/** Enrollment secrets, device revocation and the command queue (synchronous; SqliteStore wraps them). */
export function createAdminOps(db: Database): AdminParts {
  const secretByHash = db.prepare(`SELECT ${SECRET_COLUMNS} FROM enroll_secrets WHERE secret_hash = ?`);
  const insertSecret = db.prepare(
    'INSERT INTO enroll_secrets (id, label, secret_hash, created_at) VALUES (?, ?, ?, ?)',
  );
  const allSecrets = db.prepare(`SELECT ${SECRET_COLUMNS} FROM enroll_secrets ORDER BY created_at, id`);
  const revokeSecret = db.prepare(
    'UPDATE enroll_secrets SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
  );
  const useSecret = db.prepare(
    'UPDATE enroll_secrets SET uses = uses + 1, last_used_at = ? WHERE secret_hash = ? AND revoked_at IS NULL RETURNING id',
  );
  const revokeDevice = db.prepare(
    'UPDATE devices SET token_hash = ?, revoked_at = ? WHERE id = ? RETURNING id',
  );
  const insertEvent = db.prepare(
    'INSERT INTO events (device_id, ts, kind, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertCommand = db.prepare(
    `INSERT INTO commands (id, device_id, check_name, created_at, expires_at, status, updated_at)
     VALUES (?, ?, ?, ?, ?, 'queued', ?)`,
  );
  const commandById = db.prepare(`SELECT ${COMMAND_COLUMNS} FROM commands WHERE id = ?`);
  const pending = db.prepare(
    `SELECT ${COMMAND_COLUMNS} FROM commands WHERE device_id = ? AND delivered_at IS NULL AND status = 'queued'
     AND expires_at > ? ORDER BY created_at, id`,
  );
  const delivered = db.prepare(
    "UPDATE commands SET delivered_at = ?, status = 'sent', updated_at = ? WHERE id = ? AND delivered_at IS NULL",
  );
  const requeue = db.prepare(
    "UPDATE commands SET delivered_at = NULL, status = 'queued', updated_at = ? WHERE id = ? AND status = 'sent'",
  );
  const result = db.prepare(
    'UPDATE commands SET status = ?, message = ?, updated_at = ? WHERE id = ? AND device_id = ?',
  );

  return {
    addEnrollSecret: db.transaction((input: NewEnrollSecret) => {
      const known = secretByHash.get(input.secretHash) as SecretRow | undefined;
      if (known) return { info: toSecret(known), created: false };
      insertSecret.run(input.id, input.label, input.secretHash, input.now);
      return { info: toSecret(secretByHash.get(input.secretHash) as SecretRow), created: true };
    }),

    listEnrollSecrets: () => (allSecrets.all() as SecretRow[]).map(toSecret),

    revokeEnrollSecret: (id, now) => revokeSecret.run(now, id).changes > 0,

    useEnrollSecret(secretHash, now) {
      const r = useSecret.get(now, secretHash) as { id: string } | undefined;
      return r?.id ?? null;
    },

    revokeDevice: db.transaction((deviceId: string, now: number): boolean => {
      if (!revokeDevice.get(REVOKED.token, now, deviceId)) return false;
      insertEvent.run(deviceId, now, 'enroll', null, 'revoked', REVOKED.detail);
      return true;
    }),

    addCommand(input) {
      insertCommand.run(input.id, input.deviceId, input.check, input.now, input.expiresAt, input.now);
      return toCommand(commandById.get(input.id) as CommandRow, input.now);
    },

    pendingCommands: (deviceId, now) =>
      (pending.all(deviceId, now) as CommandRow[]).map((r) => toCommand(r, now)),

    commandDelivered: (id, now) => delivered.run(now, now, id).changes > 0,

    commandRequeued(id, now) {
      requeue.run(now, id);
    },

    commandResult: (deviceId, id, status, message, now) =>
      result.run(status, message, now, id, deviceId).changes > 0,

    command(id, now) {
      const r = commandById.get(id) as CommandRow | undefined;
      return r ? toCommand(r, now) : null;
    },
  };
}
