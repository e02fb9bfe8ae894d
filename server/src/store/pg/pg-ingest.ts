import type { Observation, ProbeData } from '@lagebild/shared';
import type pg from 'pg';
import type { DeviceRow } from '../device-rows.js';
import { applyBatch, type IngestWrites, type Stamped, UnknownDeviceError } from '../ingest-apply.js';
import type { IngestResult } from '../store.js';
import { LOCK } from './pg-db.js';
import { DEVICE_COLUMNS, toBool } from './pg-rows.js';

/**
 * Column arrays of the rows one batch inserts (unnest() turns them back into rows): every sample and
 * event of the batch goes to the database in one statement together with the device row.
 */
class BatchRows implements IngestWrites {
  readonly samples = {
    seq: [] as number[],
    ts: [] as number[],
    probeId: [] as string[],
    app: [] as string[],
    probeKind: [] as string[],
    target: [] as string[],
    ok: [] as boolean[],
    errorClass: [] as (string | null)[],
    errorMessage: [] as (string | null)[],
    status: [] as (number | null)[],
    dns: [] as (number | null)[],
    connect: [] as (number | null)[],
    tls: [] as (number | null)[],
    ttfb: [] as (number | null)[],
    total: [] as number[],
    certExpiresAt: [] as (number | null)[],
  };
  readonly events = {
    ts: [] as number[],
    kind: [] as string[],
    from: [] as (string | null)[],
    to: [] as string[],
    detail: [] as (string | null)[],
  };

  event(ts: number, kind: string, from: string | null, to: string, detail: string | null): void {
    const e = this.events;
    e.ts.push(ts);
    e.kind.push(kind);
    e.from.push(from);
    e.to.push(to);
    e.detail.push(detail);
  }

  sample(o: Stamped<ProbeData>): void {
    const s = this.samples;
    s.seq.push(o.seq);
    s.ts.push(o.ts);
    s.probeId.push(o.probeId);
    s.app.push(o.app);
    s.probeKind.push(o.probeKind);
    s.target.push(o.target);
    s.ok.push(o.ok);
    s.errorClass.push(o.errorClass);
    s.errorMessage.push(o.errorMessage ?? null);
    s.status.push(o.status ?? null);
    s.dns.push(o.phases.dnsMs ?? null);
    s.connect.push(o.phases.connectMs ?? null);
    s.tls.push(o.phases.tlsMs ?? null);
    s.ttfb.push(o.phases.ttfbMs ?? null);
    s.total.push(o.phases.totalMs);
    s.certExpiresAt.push(o.certExpiresAt ?? null);
  }

  /** The parameters of WRITE_BATCH. */
  params(row: DeviceRow): unknown[] {
    const s = this.samples;
    const e = this.events;
    return [
      row.id,
      s.seq,
      s.ts,
      s.probeId,
      s.app,
      s.probeKind,
      s.target,
      s.ok,
      s.errorClass,
      s.errorMessage,
      s.status,
      s.dns,
      s.connect,
      s.tls,
      s.ttfb,
      s.total,
      s.certExpiresAt,
      e.ts,
      e.kind,
      e.from,
      e.to,
      e.detail,
      row.hostname,
      row.serial,
      row.os,
      row.os_version,
      row.os_build,
      row.manufacturer,
      row.model,
      row.agent_version,
      row.last_seen,
      row.last_seq,
      row.vpn_state,
      row.vpn_vendor,
      row.vpn_interface,
      row.vpn_gateway,
      row.vpn_addresses,
      row.vpn_since,
      row.vpn_rtt,
      row.vpn_changes,
      toBool(row.vpn_gateway_reachable),
      row.vpn_routes,
      toBool(row.key_available),
      toBool(row.key_present),
      row.keys_json,
      row.health_json,
      row.health_ts,
      row.site,
      row.org_unit,
      row.probes_json,
    ];
  }
}

// The device columns a batch writes ($23…$50 of the parameters).
const SET_DEVICE = `hostname = $23, serial = $24, os = $25, os_version = $26, os_build = $27, manufacturer = $28,
    model = $29, agent_version = $30, last_seen = $31, last_seq = $32, vpn_state = $33, vpn_vendor = $34,
    vpn_interface = $35, vpn_gateway = $36, vpn_addresses = $37, vpn_since = $38, vpn_rtt = $39,
    vpn_changes = $40, vpn_gateway_reachable = $41, vpn_routes = $42, key_available = $43,
    key_present = $44, keys_json = $45, health_json = $46, health_ts = $47, site = $48, org_unit = $49,
    probes_json = $50`;

/**
 * The inserts of a batch's samples and events as CTEs; `gate` names a CTE the rows are joined with
 * (no row there: nothing inserted). WITH ORDINALITY … ORDER BY keeps the batch's order in the ids
 * (events with equal ts are shown by id).
 */
const insertRows = (gate: string) => `s AS (
    INSERT INTO probe_samples (device_id, seq, ts, probe_id, app, probe_kind, target, ok, error_class,
      error_message, status, dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, cert_expires_at)
    SELECT $1, u.seq, u.ts, u.probe_id, u.app, u.probe_kind, u.target, u.ok, u.error_class, u.error_message,
      u.status, u.dns_ms, u.connect_ms, u.tls_ms, u.ttfb_ms, u.total_ms, u.cert_expires_at
    FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[],
      $9::text[], $10::text[], $11::integer[], $12::float8[], $13::float8[], $14::float8[], $15::float8[],
      $16::float8[], $17::bigint[])
      WITH ORDINALITY AS u(seq, ts, probe_id, app, probe_kind, target, ok, error_class, error_message, status,
        dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, cert_expires_at, n)
      ${gate}
    ORDER BY u.n
  ), e AS (
    INSERT INTO events (device_id, ts, kind, from_state, to_state, detail)
    SELECT $1, v.ts, v.kind, v.from_state, v.to_state, v.detail
    FROM unnest($18::bigint[], $19::text[], $20::text[], $21::text[], $22::text[])
      WITH ORDINALITY AS v(ts, kind, from_state, to_state, detail, n)
      ${gate}
    ORDER BY v.n
  )`;

/** Inside the transaction that locked the device row: everything in one statement. */
const WRITE_BATCH = `WITH ${insertRows('')}
  UPDATE devices SET ${SET_DEVICE} WHERE id = $1 RETURNING xmin::text AS version`;

/**
 * One statement, its own transaction: the device row is written only if it is still the version this
 * node wrote last ($51, the row's xmin), and the samples and events are joined with that update, so
 * either all of the batch is stored or nothing is. The horizon lock is taken in the update's condition,
 * before any sample id is drawn (the inserts need the update's row first).
 */
const writeIfUnchanged = (
  ns: number,
) => `WITH h AS (SELECT pg_advisory_xact_lock_shared(${ns}, ${LOCK.horizon})),
  d AS (
    UPDATE devices SET ${SET_DEVICE}
    WHERE id = $1 AND xmin = $51::xid AND (SELECT count(*) FROM h) = 1
    RETURNING xmin::text AS version
  ), ${insertRows('CROSS JOIN d')}
  SELECT version FROM d`;

/** Device rows as this node last wrote them, with their version then; the least recently used go first. */
export class DeviceRowCache {
  private readonly rows = new Map<string, { row: DeviceRow; version: string }>();
  /** batches written in one round trip, and those that found their row changed by another writer */
  readonly counts = { unchanged: 0, changed: 0 };

  constructor(readonly capacity = 25_000) {}

  get size(): number {
    return this.rows.size;
  }

  /** A copy the caller may change. */
  take(deviceId: string): { row: DeviceRow; version: string } | undefined {
    const hit = this.rows.get(deviceId);
    if (!hit) return undefined;
    this.rows.delete(deviceId);
    this.rows.set(deviceId, hit);
    return { row: { ...hit.row }, version: hit.version };
  }

  put(row: DeviceRow, version: string): void {
    this.rows.delete(row.id);
    this.rows.set(row.id, { row, version });
    if (this.rows.size > this.capacity) this.rows.delete(this.rows.keys().next().value as string);
  }

  forget(deviceId: string): void {
    this.rows.delete(deviceId);
  }
}

/**
 * The exactly-once ingest: one transaction per batch (see applyBatch).
 *
 * Common case, one round trip: the device row this node wrote last is in the cache, the batch is
 * applied to it and written by one statement that stores nothing unless the row is still that version.
 * Otherwise (first batch of a device, a row changed elsewhere: connect, another node, a second
 * connection of the same agent) the row is locked first (FOR UPDATE) and read, so two connections of
 * one agent are stored one after the other and the second skips what the first stored.
 *
 * Both hold the rollup horizon lock shared while sample ids are taken: the rollup job takes it
 * exclusively to read max(id), and then every id up to that max is committed (sequence ids can commit
 * out of order, and a fold past an uncommitted id would skip that sample for good).
 */
export function createIngest(pool: pg.Pool, ns: number, cache = new DeviceRowCache()) {
  const fastWrite = writeIfUnchanged(ns);

  async function writeIfCached(
    deviceId: string,
    observations: Observation[],
    receivedAt: number,
  ): Promise<IngestResult | null> {
    const hit = cache.take(deviceId);
    if (!hit) return null;
    const out = new BatchRows();
    const result = applyBatch(hit.row, observations, receivedAt, out);
    const { rows } = await pool.query<{ version: string }>({
      name: 'lb_ingest_if_unchanged',
      text: fastWrite,
      values: [...out.params(hit.row), hit.version],
    });
    const stored = rows[0];
    if (!stored) {
      cache.counts.changed++;
      cache.forget(deviceId);
      return null;
    }
    cache.counts.unchanged++;
    cache.put(hit.row, stored.version);
    return result;
  }

  async function writeLocked(deviceId: string, observations: Observation[], receivedAt: number) {
    const c = await pool.connect();
    try {
      // begin, lock and read the device in one round trip (a simple query of three statements; the
      // device id is a literal there)
      const results = (await c.query(
        `BEGIN; SELECT pg_advisory_xact_lock_shared(${ns}, ${LOCK.horizon}); ` +
          `SELECT ${DEVICE_COLUMNS}, xmin::text AS version FROM devices WHERE id = ${c.escapeLiteral(deviceId)} FOR UPDATE`,
      )) as unknown as pg.QueryResult<DeviceRow & { version?: string }>[];
      const rows = results[results.length - 1]?.rows ?? [];
      const found = rows[0];
      if (!found) throw new UnknownDeviceError(deviceId);
      const { version: _read, ...row } = found;
      const out = new BatchRows();
      const result = applyBatch(row, observations, receivedAt, out);
      const written = await c.query<{ version: string }>({
        name: 'lb_ingest_write',
        text: WRITE_BATCH,
        values: out.params(row),
      });
      await c.query('COMMIT');
      c.release();
      const version = written.rows[0]?.version;
      if (version) cache.put(row, version);
      return result;
    } catch (e) {
      cache.forget(deviceId);
      await c.query('ROLLBACK').then(
        () => c.release(),
        () => c.release(true),
      );
      throw e;
    }
  }

  return async function ingest(
    deviceId: string,
    observations: Observation[],
    receivedAt: number,
  ): Promise<IngestResult> {
    return (
      (await writeIfCached(deviceId, observations, receivedAt)) ??
      writeLocked(deviceId, observations, receivedAt)
    );
  };
}
