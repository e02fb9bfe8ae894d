import { createRequire } from 'node:module';
import type { SimDevice } from '@lagebild/sim';
import { repoRoot } from '../helpers/process.js';

/** The few better-sqlite3 calls the audit and its test need (the test package does not depend on it directly). */
export interface AuditDb {
  exec(sql: string): unknown;
  prepare(sql: string): { all(...params: unknown[]): unknown[]; get(...params: unknown[]): unknown };
  close(): void;
}
type OpenDb = new (file: string, options?: { readonly?: boolean; fileMustExist?: boolean }) => AuditDb;

/** The server's own better-sqlite3 constructor. */
export function serverSqlite(): OpenDb {
  return createRequire(`${repoRoot}server/package.json`)('better-sqlite3') as OpenDb;
}

/** Opens the server's SQLite file read-only with the server's own better-sqlite3. */
export function openReadOnly(file: string): AuditDb {
  const Database = serverSqlite();
  return new Database(file, { readonly: true, fileMustExist: true });
}

/** What went wrong for one device; empty lists mean the server kept its promises. */
export interface AuditResult {
  /** devices whose stored last_seq is below what the server had acknowledged before the crash */
  lostAcked: string[];
  /** devices whose stored seqs go beyond anything the device measured */
  invented: string[];
  /** devices whose stored probe seqs differ from the probe seqs the device sent */
  probeMismatch: string[];
  /** devices whose stored VPN events differ from the VPN transitions the device reported */
  vpnMismatch: string[];
  probesStored: number;
  vpnEventsStored: number;
}

interface VpnEvent {
  ts: number;
  to: string;
}

/** The VPN transitions a device reported up to `lastSeq`, as the server must have stored them. */
function expectedVpnEvents(device: SimDevice, lastSeq: number): VpnEvent[] {
  const events: VpnEvent[] = [];
  let state: string | null = null;
  for (const o of device.history) {
    if (o.seq > lastSeq) break;
    if (o.kind !== 'vpn' || o.vpnState === undefined || o.vpnState === state) continue;
    events.push({ ts: o.ts, to: o.vpnState });
    state = o.vpnState;
  }
  return events;
}

function first<T>(list: T[], n = 5): T[] {
  return list.slice(0, n);
}

/**
 * Compares the database with the devices' own records: nothing acknowledged before the crash is
 * missing, every probe seq a device sent is stored once, every VPN transition is one event.
 */
export function auditStore(
  db: AuditDb,
  devices: readonly SimDevice[],
  ackedBeforeCrash: readonly number[],
): AuditResult {
  const lastSeqOf = db.prepare('SELECT last_seq AS lastSeq FROM devices WHERE id = ?');
  const probeSeqsOf = db.prepare('SELECT seq FROM probe_samples WHERE device_id = ? ORDER BY seq');
  const vpnEventsOf = db.prepare(
    'SELECT ts, to_state AS "to" FROM events WHERE device_id = ? AND kind = \'vpn\' ORDER BY id',
  );
  const result: AuditResult = {
    lostAcked: [],
    invented: [],
    probeMismatch: [],
    vpnMismatch: [],
    probesStored: 0,
    vpnEventsStored: 0,
  };
  devices.forEach((device, i) => {
    const name = `${device.hostname} (${device.id})`;
    const row = lastSeqOf.get(device.id) as { lastSeq: number } | undefined;
    const lastSeq = row?.lastSeq ?? 0;
    const promised = ackedBeforeCrash[i] ?? 0;
    if (lastSeq < promised || lastSeq < device.lastAckSeq)
      result.lostAcked.push(`${name}: stored up to ${lastSeq}, acknowledged ${promised} before the crash`);
    if (lastSeq > device.lastSeq)
      result.invented.push(`${name}: stored up to ${lastSeq}, measured ${device.lastSeq}`);

    const storedProbes = (probeSeqsOf.all(device.id) as { seq: number }[]).map((r) => r.seq);
    const sentProbes = device.history.filter((o) => o.kind === 'probe' && o.seq <= lastSeq).map((o) => o.seq);
    result.probesStored += storedProbes.length;
    if (storedProbes.join() !== sentProbes.join())
      result.probeMismatch.push(
        `${name}: stored ${storedProbes.length} probe seqs, sent ${sentProbes.length}; ` +
          `stored-only ${first(storedProbes.filter((s) => !sentProbes.includes(s)))}, ` +
          `missing ${first(sentProbes.filter((s) => !storedProbes.includes(s)))}`,
      );

    const storedVpn = vpnEventsOf.all(device.id) as VpnEvent[];
    const reportedVpn = expectedVpnEvents(device, lastSeq);
    result.vpnEventsStored += storedVpn.length;
    if (JSON.stringify(storedVpn) !== JSON.stringify(reportedVpn))
      result.vpnMismatch.push(
        `${name}: stored ${storedVpn.length} VPN events ${JSON.stringify(first(storedVpn, 3))}…, ` +
          `reported ${reportedVpn.length} transitions ${JSON.stringify(first(reportedVpn, 3))}…`,
      );
  });
  return result;
}
