import type { CheckName } from '@lagebild/shared';
import type { Database } from 'better-sqlite3';
import type { EnrollSecretInfo, NewCommand, NewEnrollSecret, StoredCommand } from './store.js';

interface SecretRow {
  id: string;
  label: string;
  secret_hash: string;
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

/** Synchronous twins of the Store's secret, revocation and command methods. */
export interface AdminOps {
  addEnrollSecret(input: NewEnrollSecret): { info: EnrollSecretInfo; created: boolean };
  listEnrollSecrets(): EnrollSecretInfo[];
  revokeEnrollSecret(id: string, now: number): boolean;
  useEnrollSecret(secretHash: string, now: number): string | null;
  revokeDevice(deviceId: string, now: number): boolean;
  addCommand(input: NewCommand): StoredCommand;
  pendingCommands(deviceId: string, now: number): StoredCommand[];
  commandDelivered(id: string, now: number): boolean;
  commandRequeued(id: string, now: number): void;
  commandResult(
    deviceId: string,
    id: string,
    status: 'running' | 'done' | 'failed',
    message: string | null,
    now: number,
  ): boolean;
  command(id: string, now: number): StoredCommand | null;
}

/** Enrollment secrets, device revocation and the command queue (synchronous; SqliteStore wraps them). */
export function createAdminOps(db: Database): AdminOps {
  const secretByHash = db.prepare('SELECT * FROM enroll_secrets WHERE secret_hash = ?');
  const insertSecret = db.prepare(
    'INSERT INTO enroll_secrets (id, label, secret_hash, created_at) VALUES (?, ?, ?, ?)',
  );
  const allSecrets = db.prepare('SELECT * FROM enroll_secrets ORDER BY created_at, id');
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
  const commandById = db.prepare('SELECT * FROM commands WHERE id = ?');
  const pending = db.prepare(
    `SELECT * FROM commands WHERE device_id = ? AND delivered_at IS NULL AND status = 'queued'
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

    listEnrollSecrets: (): EnrollSecretInfo[] => (allSecrets.all() as SecretRow[]).map(toSecret),

    revokeEnrollSecret: (id: string, now: number): boolean => revokeSecret.run(now, id).changes > 0,

    useEnrollSecret(secretHash: string, now: number): string | null {
      const r = useSecret.get(now, secretHash) as { id: string } | undefined;
      return r?.id ?? null;
    },

    revokeDevice: db.transaction((deviceId: string, now: number): boolean => {
      if (!revokeDevice.get(REVOKED_TOKEN, now, deviceId)) return false;
      insertEvent.run(deviceId, now, 'enroll', null, 'revoked', 'token revoked by an administrator');
      return true;
    }),

    addCommand(input: NewCommand): StoredCommand {
      insertCommand.run(input.id, input.deviceId, input.check, input.now, input.expiresAt, input.now);
      return toCommand(commandById.get(input.id) as CommandRow, input.now);
    },

    pendingCommands: (deviceId: string, now: number): StoredCommand[] =>
      (pending.all(deviceId, now) as CommandRow[]).map((r) => toCommand(r, now)),

    commandDelivered: (id: string, now: number): boolean => delivered.run(now, now, id).changes > 0,

    commandRequeued(id: string, now: number): void {
      requeue.run(now, id);
    },

    commandResult(
      deviceId: string,
      id: string,
      status: 'running' | 'done' | 'failed',
      message: string | null,
      now: number,
    ): boolean {
      return result.run(status, message, now, id, deviceId).changes > 0;
    },

    command(id: string, now: number): StoredCommand | null {
      const r = commandById.get(id) as CommandRow | undefined;
      return r ? toCommand(r, now) : null;
    },
  };
}
