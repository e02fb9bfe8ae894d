import type pg from 'pg';
import type { DeviceParts } from '../composed-store.js';
import { type AuthRow, type ConfigRow, toConfig, toDeviceAuth } from '../device-rows.js';
import { inTransaction } from './pg-db.js';

const INSERT_EVENT =
  'INSERT INTO events (device_id, ts, kind, from_state, to_state, detail) VALUES ($1, $2, $3, $4, $5, $6)';

/** Device lifecycle (enrollment, connection state) and the versioned probe config. */
export function createDeviceOps(pool: pg.Pool): DeviceParts {
  return {
    /** Two nodes enrolling the same notebook at once both end up with its one device row. */
    enrollDevice: (input) =>
      inTransaction(pool, async (c) => {
        const inserted = await c.query(
          `INSERT INTO devices (id, hardware_id, token_hash, enrolled_at, hostname) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (hardware_id) DO NOTHING RETURNING id`,
          [input.newDeviceId, input.hardwareId, input.tokenHash, input.now, input.hostname],
        );
        if (inserted.rowCount === 1) {
          await c.query(INSERT_EVENT, [input.newDeviceId, input.now, 'enroll', null, 'enrolled', null]);
          return { deviceId: input.newDeviceId, created: true };
        }
        const known = await c.query<{ id: string }>(
          'UPDATE devices SET token_hash = $1, hostname = $2, revoked_at = NULL WHERE hardware_id = $3 RETURNING id',
          [input.tokenHash, input.hostname, input.hardwareId],
        );
        const id = known.rows[0]!.id;
        await c.query(INSERT_EVENT, [id, input.now, 'enroll', null, 're-enrolled', 'new token issued']);
        return { deviceId: id, created: false };
      }),

    async deviceAuth(deviceId) {
      const { rows } = await pool.query<AuthRow>(
        'SELECT id, token_hash, last_seq FROM devices WHERE id = $1',
        [deviceId],
      );
      return rows[0] ? toDeviceAuth(rows[0]) : null;
    },

    async markOnline(deviceId, input) {
      // one statement, one transaction; the event's foreign key refuses an unknown device as SQLite's does
      await pool.query(
        `WITH u AS (UPDATE devices SET online = true, last_seen = $2, capabilities_json = $3, agent_version = $4
           WHERE id = $1)
         INSERT INTO events (device_id, ts, kind, from_state, to_state, detail)
         VALUES ($1, $2, 'agent', NULL, 'online', NULL)`,
        [deviceId, input.now, JSON.stringify(input.capabilities), input.agentVersion],
      );
    },

    async markOffline(deviceId, now, detail) {
      await pool.query(
        `WITH u AS (UPDATE devices SET online = false, last_seen = $2 WHERE id = $1 AND online RETURNING id)
         INSERT INTO events (device_id, ts, kind, from_state, to_state, detail)
         SELECT id, $2, 'agent', NULL, 'offline', $3 FROM u`,
        [deviceId, now, detail ?? null],
      );
    },

    async markAllOffline(now, detail) {
      const r = await pool.query(
        `WITH u AS (UPDATE devices SET online = false WHERE online RETURNING id)
         INSERT INTO events (device_id, ts, kind, from_state, to_state, detail)
         SELECT id, $1, 'agent', NULL, 'offline', $2 FROM u`,
        [now, detail],
      );
      return r.rowCount ?? 0;
    },

    async probeConfig() {
      const { rows } = await pool.query<ConfigRow>(
        'SELECT version, probes_json, intervals_json, created_at FROM probe_config ORDER BY version DESC LIMIT 1',
      );
      return rows[0] ? toConfig(rows[0]) : null;
    },

    saveProbeConfig: (probes, intervals, now) =>
      inTransaction(pool, async (c) => {
        // versions are max + 1: two nodes saving at once must not both pick the same one
        await c.query('LOCK TABLE probe_config IN SHARE ROW EXCLUSIVE MODE');
        const { rows } = await c.query<{ version: number }>(
          `INSERT INTO probe_config (version, probes_json, intervals_json, created_at)
           SELECT coalesce(max(version), 0) + 1, $1, $2, $3 FROM probe_config RETURNING version`,
          [JSON.stringify(probes), JSON.stringify(intervals), now],
        );
        return { version: rows[0]!.version, probes, intervals, updatedAt: now };
      }),
  };
}
