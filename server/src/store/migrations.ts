import type { Database } from 'better-sqlite3';

/** One schema step. Never edit a released migration: add the next number. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'devices, events, probe samples, probe config',
    sql: `
      CREATE TABLE devices (
        id                TEXT PRIMARY KEY,
        hardware_id       TEXT NOT NULL UNIQUE,
        token_hash        TEXT NOT NULL,
        enrolled_at       INTEGER NOT NULL,
        hostname          TEXT NOT NULL,
        serial            TEXT NOT NULL DEFAULT '',
        os                TEXT,
        os_version        TEXT,
        os_build          TEXT,
        manufacturer      TEXT,
        model             TEXT,
        agent_version     TEXT,
        online            INTEGER NOT NULL DEFAULT 0,
        last_seen         INTEGER,
        last_seq          INTEGER NOT NULL DEFAULT 0,
        vpn_state         TEXT,
        vpn_vendor        TEXT,
        vpn_interface     TEXT,
        vpn_gateway       TEXT,
        vpn_addresses     TEXT,
        vpn_since         INTEGER,
        vpn_rtt           REAL,
        vpn_changes       INTEGER,
        key_available     INTEGER,
        key_present       INTEGER,
        keys_json         TEXT,
        capabilities_json TEXT,
        health_json       TEXT,
        health_ts         INTEGER
      ) STRICT;
      CREATE INDEX devices_hostname ON devices (hostname COLLATE NOCASE);
      CREATE INDEX devices_serial ON devices (serial COLLATE NOCASE);

      CREATE TABLE events (
        id         INTEGER PRIMARY KEY,
        device_id  TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
        ts         INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        from_state TEXT,
        to_state   TEXT,
        detail     TEXT
      ) STRICT;
      CREATE INDEX events_device_ts ON events (device_id, ts);

      CREATE TABLE probe_samples (
        device_id       TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
        seq             INTEGER NOT NULL,
        ts              INTEGER NOT NULL,
        probe_id        TEXT NOT NULL,
        app             TEXT NOT NULL,
        probe_kind      TEXT NOT NULL,
        target          TEXT NOT NULL,
        ok              INTEGER NOT NULL,
        error_class     TEXT,
        error_message   TEXT,
        status          INTEGER,
        dns_ms          REAL,
        connect_ms      REAL,
        tls_ms          REAL,
        ttfb_ms         REAL,
        total_ms        REAL NOT NULL,
        cert_expires_at INTEGER,
        PRIMARY KEY (device_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX probe_samples_app_ts ON probe_samples (app, ts);
      CREATE INDEX probe_samples_device_ts ON probe_samples (device_id, ts);

      CREATE TABLE probe_config (
        version        INTEGER PRIMARY KEY,
        probes_json    TEXT NOT NULL,
        intervals_json TEXT NOT NULL,
        created_at     INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'VPN route checks and gateway reachability',
    sql: `
      ALTER TABLE devices ADD COLUMN vpn_gateway_reachable INTEGER;
      ALTER TABLE devices ADD COLUMN vpn_routes TEXT;
    `,
  },
  {
    version: 3,
    name: 'enrollment secrets, device revocation, queued commands',
    sql: `
      CREATE TABLE enroll_secrets (
        id           TEXT PRIMARY KEY,
        label        TEXT NOT NULL DEFAULT '',
        secret_hash  TEXT NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        revoked_at   INTEGER,
        last_used_at INTEGER,
        uses         INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      ALTER TABLE devices ADD COLUMN revoked_at INTEGER;

      CREATE TABLE commands (
        id           TEXT PRIMARY KEY,
        device_id    TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
        check_name   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        delivered_at INTEGER,
        status       TEXT NOT NULL DEFAULT 'queued',
        message      TEXT,
        updated_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX commands_pending ON commands (device_id, delivered_at, expires_at);
    `,
  },
  {
    version: 4,
    name: 'device groups and numbers, newest probe results, sample insertion ids, rollups, retention indexes',
    sql: `
      ALTER TABLE devices ADD COLUMN site TEXT;
      ALTER TABLE devices ADD COLUMN org_unit TEXT;
      -- a small stable number per device keeps rollup keys short (the text id is 36 characters)
      ALTER TABLE devices ADD COLUMN num INTEGER;
      UPDATE devices SET num = rowid;
      CREATE UNIQUE INDEX devices_num ON devices (num);

      -- the newest result of each probe (a LatestProbe list ordered by app and probe id), kept up to
      -- date by ingest: raw samples are deleted after two days, and the device detail must still show
      -- what a notebook measured last when it has been away longer. Of two results with the same ts
      -- the one with the higher seq counts, as in ingest; phases that were not measured are left out.
      ALTER TABLE devices ADD COLUMN probes_json TEXT;
      UPDATE devices SET probes_json = latest.probes
      FROM (
        SELECT device_id, json_group_array(json(probe) ORDER BY app, probe_id) AS probes
        FROM (
          SELECT device_id, app, probe_id,
            json_object('probeId', probe_id, 'app', app, 'probeKind', probe_kind, 'target', target, 'ts', ts,
              'ok', json(CASE ok WHEN 1 THEN 'true' ELSE 'false' END), 'errorClass', error_class,
              'status', status,
              'phases', json_patch('{}', json_object('dnsMs', dns_ms, 'connectMs', connect_ms,
                'tlsMs', tls_ms, 'ttfbMs', ttfb_ms, 'totalMs', total_ms))) AS probe,
            row_number() OVER (PARTITION BY device_id, probe_id ORDER BY ts DESC, seq DESC) AS n
          FROM probe_samples)
        WHERE n = 1
        GROUP BY device_id) AS latest
      WHERE devices.id = latest.device_id;

      -- raw samples get an insertion id: the rollup job folds everything above its watermark, so a
      -- sample that arrives days late (spooled while offline) is still counted
      CREATE TABLE probe_samples_v4 (
        -- AUTOINCREMENT: ids never come back after the table emptied, so none falls below the watermark
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        device_id       TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
        seq             INTEGER NOT NULL,
        ts              INTEGER NOT NULL,
        probe_id        TEXT NOT NULL,
        app             TEXT NOT NULL,
        probe_kind      TEXT NOT NULL,
        target          TEXT NOT NULL,
        ok              INTEGER NOT NULL,
        error_class     TEXT,
        error_message   TEXT,
        status          INTEGER,
        dns_ms          REAL,
        connect_ms      REAL,
        tls_ms          REAL,
        ttfb_ms         REAL,
        total_ms        REAL NOT NULL,
        cert_expires_at INTEGER
      ) STRICT;
      INSERT INTO probe_samples_v4 (device_id, seq, ts, probe_id, app, probe_kind, target, ok, error_class,
          error_message, status, dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, cert_expires_at)
        SELECT device_id, seq, ts, probe_id, app, probe_kind, target, ok, error_class, error_message, status,
          dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, cert_expires_at
        FROM probe_samples ORDER BY ts, device_id, seq;
      DROP TABLE probe_samples;
      ALTER TABLE probe_samples_v4 RENAME TO probe_samples;
      -- one device's raw samples for a drill-down; the device detail reads the newest results from the
      -- device row, charts and statistics read rollups, so raw samples need no (app, ts) index: one
      -- index less to maintain on every insert
      CREATE INDEX probe_samples_device_ts ON probe_samples (device_id, ts);

      -- per (device, Fachverfahren) and per (group, Fachverfahren): count, errors, sum/min/max of the
      -- answered runs and their log-bucket histogram (Histogram.encode); t = bucket start, epoch ms
      CREATE TABLE rollup_device_minute (
        device_num INTEGER NOT NULL,
        app        TEXT NOT NULL,
        t          INTEGER NOT NULL,
        count      INTEGER NOT NULL,
        errors     INTEGER NOT NULL,
        sum_ms     REAL NOT NULL,
        min_ms     REAL,
        max_ms     REAL,
        hist       BLOB NOT NULL,
        PRIMARY KEY (device_num, app, t)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX rollup_device_minute_t ON rollup_device_minute (t);
      CREATE TABLE rollup_device_hour (
        device_num INTEGER NOT NULL,
        app        TEXT NOT NULL,
        t          INTEGER NOT NULL,
        count      INTEGER NOT NULL,
        errors     INTEGER NOT NULL,
        sum_ms     REAL NOT NULL,
        min_ms     REAL,
        max_ms     REAL,
        hist       BLOB NOT NULL,
        PRIMARY KEY (device_num, app, t)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX rollup_device_hour_t ON rollup_device_hour (t);
      -- kind: 'all' (grp ''), 'gateway', 'site', 'orgUnit'; grp '' = the device has none. Group rows
      -- also keep the failed runs per error class (a JSON object, null when none failed) and, per phase
      -- milestone (DNS, connect, TLS, first byte), the sum and number of answered runs that measured
      -- it; the defaults let bulk loaders that know only the latency columns still insert rows
      CREATE TABLE rollup_group_minute (
        kind   TEXT NOT NULL,
        app    TEXT NOT NULL,
        grp    TEXT NOT NULL,
        t      INTEGER NOT NULL,
        count  INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        sum_ms REAL NOT NULL,
        min_ms REAL,
        max_ms REAL,
        hist   BLOB NOT NULL,
        error_classes TEXT,
        dns_sum       REAL NOT NULL DEFAULT 0,
        dns_n         INTEGER NOT NULL DEFAULT 0,
        connect_sum   REAL NOT NULL DEFAULT 0,
        connect_n     INTEGER NOT NULL DEFAULT 0,
        tls_sum       REAL NOT NULL DEFAULT 0,
        tls_n         INTEGER NOT NULL DEFAULT 0,
        ttfb_sum      REAL NOT NULL DEFAULT 0,
        ttfb_n        INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (kind, app, grp, t)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX rollup_group_minute_t ON rollup_group_minute (t);
      CREATE TABLE rollup_group_hour (
        kind   TEXT NOT NULL,
        app    TEXT NOT NULL,
        grp    TEXT NOT NULL,
        t      INTEGER NOT NULL,
        count  INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        sum_ms REAL NOT NULL,
        min_ms REAL,
        max_ms REAL,
        hist   BLOB NOT NULL,
        error_classes TEXT,
        dns_sum       REAL NOT NULL DEFAULT 0,
        dns_n         INTEGER NOT NULL DEFAULT 0,
        connect_sum   REAL NOT NULL DEFAULT 0,
        connect_n     INTEGER NOT NULL DEFAULT 0,
        tls_sum       REAL NOT NULL DEFAULT 0,
        tls_n         INTEGER NOT NULL DEFAULT 0,
        ttfb_sum      REAL NOT NULL DEFAULT 0,
        ttfb_n        INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (kind, app, grp, t)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX rollup_group_hour_t ON rollup_group_hour (t);

      -- watermarks of the maintenance jobs ('samples_folded': highest probe_samples.id in the rollups)
      CREATE TABLE job_state (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT;
      INSERT INTO job_state (name, value) VALUES ('samples_folded', 0);

      CREATE INDEX events_ts ON events (ts);
      -- the fleet counts read only these columns: scanning this narrow index instead of 100,000 wide
      -- device rows keeps the overview fast
      CREATE INDEX devices_fleet ON devices (online, vpn_state, key_available, key_present);
    `,
  },
  {
    version: 5,
    name: 'fleet counts kept current by triggers',
    sql: `
      -- number of devices per combination of the states the fleet overview counts; triggers on devices
      -- keep it exact in the same transaction, so the overview reads a few dozen rows instead of
      -- 100,000 (PostgreSQL has the same table, spread over shards against lock contention)
      CREATE TABLE fleet_counts (
        online    INTEGER NOT NULL,
        vpn_state TEXT NOT NULL,
        key       INTEGER NOT NULL,
        n         INTEGER NOT NULL,
        PRIMARY KEY (online, vpn_state, key)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO fleet_counts (online, vpn_state, key, n)
        SELECT online, coalesce(vpn_state, ''), coalesce(key_available = 1 AND key_present = 1, 0), count(*)
        FROM devices GROUP BY 1, 2, 3;
      CREATE TRIGGER devices_count_insert AFTER INSERT ON devices BEGIN
        INSERT INTO fleet_counts (online, vpn_state, key, n)
          VALUES (NEW.online, coalesce(NEW.vpn_state, ''), coalesce(NEW.key_available = 1 AND NEW.key_present = 1, 0), 1)
          ON CONFLICT DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER devices_count_delete AFTER DELETE ON devices BEGIN
        UPDATE fleet_counts SET n = n - 1 WHERE online = OLD.online AND vpn_state = coalesce(OLD.vpn_state, '')
          AND key = coalesce(OLD.key_available = 1 AND OLD.key_present = 1, 0);
      END;
      CREATE TRIGGER devices_count_update AFTER UPDATE OF online, vpn_state, key_available, key_present ON devices
        WHEN OLD.online IS NOT NEW.online OR OLD.vpn_state IS NOT NEW.vpn_state
          OR OLD.key_available IS NOT NEW.key_available OR OLD.key_present IS NOT NEW.key_present
      BEGIN
        UPDATE fleet_counts SET n = n - 1 WHERE online = OLD.online AND vpn_state = coalesce(OLD.vpn_state, '')
          AND key = coalesce(OLD.key_available = 1 AND OLD.key_present = 1, 0);
        INSERT INTO fleet_counts (online, vpn_state, key, n)
          VALUES (NEW.online, coalesce(NEW.vpn_state, ''), coalesce(NEW.key_available = 1 AND NEW.key_present = 1, 0), 1)
          ON CONFLICT DO UPDATE SET n = n + 1;
      END;
      -- the covering index the counts scanned before
      DROP INDEX devices_fleet;
    `,
  },
  {
    version: 6,
    name: 'dashboard users and sessions',
    sql: `
      -- names are unique without regard to case (ASCII names only, checked by auth/users.ts)
      CREATE TABLE users (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT NOT NULL COLLATE NOCASE UNIQUE,
        role          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at    INTEGER NOT NULL
      ) STRICT;
      -- id_hash: SHA-256 of the cookie value, never the value itself; several nodes share the table
      CREATE TABLE sessions (
        id_hash         TEXT PRIMARY KEY,
        user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at      INTEGER NOT NULL,
        last_used_at    INTEGER NOT NULL,
        expires_at      INTEGER NOT NULL,
        idle_expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX sessions_user ON sessions (user_id);
    `,
  },
];

/** Applies every migration newer than the database's, each in its own transaction; returns the version. */
export function migrate(db: Database, migrations: Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL
  ) STRICT`);
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  let current = row.v ?? 0;
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    })();
    current = m.version;
  }
  return current;
}
