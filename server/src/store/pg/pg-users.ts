import type pg from 'pg';
import type { UserParts } from '../composed-store.js';
import { toStoredUser, toUserInfo, USER_COLUMNS, type UserRow } from '../user-rows.js';

/** Dashboard users and their sessions, shared by every node on the database. */
export function createUserOps(pool: pg.Pool): UserParts {
  return {
    async addUser(input) {
      const { rows } = await pool.query<UserRow>(
        `INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (lower(name)) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [input.name, input.role, input.passwordHash, input.now],
      );
      return rows[0] ? toUserInfo(rows[0]) : null;
    },

    async userByName(name) {
      const { rows } = await pool.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users WHERE lower(name) = lower($1)`,
        [name],
      );
      return rows[0] ? toStoredUser(rows[0]) : null;
    },

    async listUsers() {
      // SQLite orders its NOCASE column without case too
      const { rows } = await pool.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users ORDER BY lower(name) COLLATE "C", id`,
      );
      return rows.map(toUserInfo);
    },

    async setUserPassword(name, passwordHash) {
      const r = await pool.query(
        `WITH u AS (UPDATE users SET password_hash = $1 WHERE lower(name) = lower($2) RETURNING id),
         gone AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u))
         SELECT id FROM u`,
        [passwordHash, name],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async setUserRole(name, role) {
      const { rows } = await pool.query<UserRow>(
        `UPDATE users SET role = $1 WHERE lower(name) = lower($2) RETURNING ${USER_COLUMNS}`,
        [role, name],
      );
      return rows[0] ? toUserInfo(rows[0]) : null;
    },

    async removeUser(name) {
      // the sessions go by ON DELETE CASCADE
      const r = await pool.query('DELETE FROM users WHERE lower(name) = lower($1)', [name]);
      return (r.rowCount ?? 0) > 0;
    },

    async createSession(s) {
      await pool.query(
        `INSERT INTO sessions (id_hash, user_id, created_at, last_used_at, expires_at, idle_expires_at)
         VALUES ($1, $2, $3, $3, $4, $5)`,
        [s.idHash, s.userId, s.now, s.expiresAt, s.idleExpiresAt],
      );
    },

    async touchSession(idHash, now, idleExpiresAt) {
      const { rows } = await pool.query<UserRow>(
        `WITH s AS (
           UPDATE sessions SET last_used_at = $2, idle_expires_at = least($3::bigint, expires_at)
           WHERE id_hash = $1 AND expires_at > $2 AND idle_expires_at > $2 RETURNING user_id)
         SELECT ${USER_COLUMNS.split(', ')
           .map((c) => `u.${c}`)
           .join(', ')} FROM s JOIN users u ON u.id = s.user_id`,
        [idHash, now, idleExpiresAt],
      );
      return rows[0] ? toUserInfo(rows[0]) : null;
    },

    async sessionAlive(idHash, now) {
      const { rowCount } = await pool.query(
        'SELECT 1 FROM sessions WHERE id_hash = $1 AND expires_at > $2 AND idle_expires_at > $2',
        [idHash, now],
      );
      return (rowCount ?? 0) > 0;
    },

    async deleteSession(idHash) {
      await pool.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
    },

    async deleteExpiredSessions(now) {
      const r = await pool.query('DELETE FROM sessions WHERE expires_at <= $1 OR idle_expires_at <= $1', [
        now,
      ]);
      return r.rowCount ?? 0;
    },
  };
}
