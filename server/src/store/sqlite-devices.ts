import type { Intervals, ProbeConfig } from '@lagebild/shared';
import type { Database } from 'better-sqlite3';
import type { DeviceParts } from './composed-store.js';
import { type AuthRow, type ConfigRow, toConfig, toDeviceAuth } from './device-rows.js';
import type { EnrollInput, EnrollResult, OnlineInput, StoredProbeConfig } from './store.js';

/** Device lifecycle (enrollment, connection state) and the versioned probe config (synchronous). */
export function createDeviceOps(db: Database): DeviceParts {
  const byHardware = db.prepare('SELECT id FROM devices WHERE hardware_id = ?');
  const insertDevice = db.prepare(
    `INSERT INTO devices (id, hardware_id, token_hash, enrolled_at, hostname, num)
     VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(num), 0) + 1 FROM devices))`,
  );
  const replaceToken = db.prepare(
    'UPDATE devices SET token_hash = ?, hostname = ?, revoked_at = NULL WHERE id = ?',
  );
  const auth = db.prepare('SELECT id, token_hash, last_seq FROM devices WHERE id = ?');
  const setOnline = db.prepare(
    'UPDATE devices SET online = 1, last_seen = ?, capabilities_json = ?, agent_version = ? WHERE id = ?',
  );
  const setOffline = db.prepare('UPDATE devices SET online = 0, last_seen = ? WHERE id = ? AND online = 1');
  const onlineIds = db.prepare('SELECT id FROM devices WHERE online = 1');
  const allOffline = db.prepare('UPDATE devices SET online = 0 WHERE online = 1');
  const insertEvent = db.prepare(
    'INSERT INTO events (device_id, ts, kind, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const latestConfig = db.prepare(
    'SELECT version, probes_json, intervals_json, created_at FROM probe_config ORDER BY version DESC LIMIT 1',
  );
  const insertConfig = db.prepare(
    'INSERT INTO probe_config (version, probes_json, intervals_json, created_at) VALUES (?, ?, ?, ?)',
  );

  return {
    enrollDevice: db.transaction((input: EnrollInput): EnrollResult => {
      const known = byHardware.get(input.hardwareId) as { id: string } | undefined;
      if (known) {
        replaceToken.run(input.tokenHash, input.hostname, known.id);
        insertEvent.run(known.id, input.now, 'enroll', null, 're-enrolled', 'new token issued');
        return { deviceId: known.id, created: false };
      }
      insertDevice.run(input.newDeviceId, input.hardwareId, input.tokenHash, input.now, input.hostname);
      insertEvent.run(input.newDeviceId, input.now, 'enroll', null, 'enrolled', null);
      return { deviceId: input.newDeviceId, created: true };
    }),

    deviceAuth(deviceId) {
      const r = auth.get(deviceId) as AuthRow | undefined;
      return r ? toDeviceAuth(r) : null;
    },

    markOnline: db.transaction((deviceId: string, input: OnlineInput): void => {
      setOnline.run(input.now, JSON.stringify(input.capabilities), input.agentVersion, deviceId);
      insertEvent.run(deviceId, input.now, 'agent', null, 'online', null);
    }),

    markOffline: db.transaction((deviceId: string, now: number, detail?: string): void => {
      if (setOffline.run(now, deviceId).changes > 0) {
        insertEvent.run(deviceId, now, 'agent', null, 'offline', detail ?? null);
      }
    }),

    markAllOffline: db.transaction((now: number, detail: string): number => {
      const ids = onlineIds.all() as { id: string }[];
      for (const { id } of ids) insertEvent.run(id, now, 'agent', null, 'offline', detail);
      allOffline.run();
      return ids.length;
    }),

    probeConfig() {
      const r = latestConfig.get() as ConfigRow | undefined;
      return r ? toConfig(r) : null;
    },

    saveProbeConfig: db.transaction(
      (probes: ProbeConfig[], intervals: Intervals, now: number): StoredProbeConfig => {
        const r = latestConfig.get() as ConfigRow | undefined;
        const version = (r?.version ?? 0) + 1;
        insertConfig.run(version, JSON.stringify(probes), JSON.stringify(intervals), now);
        return { version, probes, intervals, updatedAt: now };
      },
    ),
  };
}
