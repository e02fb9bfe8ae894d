import type { Database } from 'better-sqlite3';
import type { UserParts } from './composed-store.js';
import type { NewSession, NewUser } from './store.js';
import { toStoredUser, toUserInfo, USER_COLUMNS, type UserRow } from './user-rows.js';

/** Dashboard users and their sessions (synchronous; SqliteStore wraps them). */
export function createUserOps(db: Database): UserParts {
  const insertUser = db.prepare(
    `INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO NOTHING RETURNING ${USER_COLUMNS}`,
  );
  const byName = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`);
  const all = db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY name, id`);
  const setHash = db.prepare('UPDATE users SET password_hash = ? WHERE name = ? RETURNING id');
  const setRole = db.prepare(`UPDATE users SET role = ? WHERE name = ? RETURNING ${USER_COLUMNS}`);
  const deleteUser = db.prepare('DELETE FROM users WHERE name = ? RETURNING id');
  const deleteUserSessions = db.prepare('DELETE FROM sessions WHERE user_id = ?');
  const insertSession = db.prepare(
    `INSERT INTO sessions (id_hash, user_id, created_at, last_used_at, expires_at, idle_expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const touch = db.prepare(
    `UPDATE sessions SET last_used_at = ?, idle_expires_at = min(?, expires_at)
     WHERE id_hash = ? AND expires_at > ? AND idle_expires_at > ? RETURNING user_id`,
  );
  const byId = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
  const alive = db.prepare(
    'SELECT 1 AS ok FROM sessions WHERE id_hash = ? AND expires_at > ? AND idle_expires_at > ?',
  );
  const deleteSession = db.prepare('DELETE FROM sessions WHERE id_hash = ?');
  const deleteExpired = db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR idle_expires_at <= ?');

  return {
    addUser(input: NewUser) {
      const row = insertUser.get(input.name, input.role, input.passwordHash, input.now) as
        | UserRow
        | undefined;
      return row ? toUserInfo(row) : null;
    },
    userByName(name) {
      const row = byName.get(name) as UserRow | undefined;
      return row ? toStoredUser(row) : null;
    },
    listUsers: () => (all.all() as UserRow[]).map(toUserInfo),
    setUserPassword: db.transaction((name: string, passwordHash: string): boolean => {
      const row = setHash.get(passwordHash, name) as { id: number } | undefined;
      if (!row) return false;
      deleteUserSessions.run(row.id);
      return true;
    }),
    setUserRole(name, role) {
      const row = setRole.get(role, name) as UserRow | undefined;
      return row ? toUserInfo(row) : null;
    },
    removeUser: db.transaction((name: string): boolean => {
      const row = deleteUser.get(name) as { id: number } | undefined;
      if (!row) return false;
      // the foreign key cascades too; explicit so the sessions end even with foreign keys off
      deleteUserSessions.run(row.id);
      return true;
    }),
    createSession(s: NewSession) {
      insertSession.run(s.idHash, s.userId, s.now, s.now, s.expiresAt, s.idleExpiresAt);
    },
    touchSession: db.transaction((idHash: string, now: number, idleExpiresAt: number) => {
      const hit = touch.get(now, idleExpiresAt, idHash, now, now) as { user_id: number } | undefined;
      if (!hit) return null;
      const row = byId.get(hit.user_id) as UserRow | undefined;
      return row ? toUserInfo(row) : null;
    }),
    sessionAlive: (idHash, now) => alive.get(idHash, now, now) !== undefined,
    deleteSession(idHash) {
      deleteSession.run(idHash);
    },
    deleteExpiredSessions: (now) => deleteExpired.run(now, now).changes,
  };
}
