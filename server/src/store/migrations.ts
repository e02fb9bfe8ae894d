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
