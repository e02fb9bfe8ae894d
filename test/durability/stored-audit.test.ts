import type { RecordedObservation, SimDevice } from '@lagebild/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { type AuditDb, auditStore, serverSqlite } from './stored-audit.js';

/** The columns the audit reads, shaped like the server's tables. */
const SCHEMA = `
  CREATE TABLE devices (id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
  CREATE TABLE probe_samples (device_id TEXT NOT NULL, seq INTEGER NOT NULL);
  CREATE TABLE events (id INTEGER PRIMARY KEY, device_id TEXT, ts INTEGER, kind TEXT, to_state TEXT);
`;

/** A device that measured: 1 identity, 2 vpn up, 3 probe, 4 vpn down, 5 probe, 6 vpn down (heartbeat). */
function device(lastAckSeq: number): SimDevice {
  const history: RecordedObservation[] = [
    { seq: 1, kind: 'identity', ts: 1 },
    { seq: 2, kind: 'vpn', ts: 2, vpnState: 'up' },
    { seq: 3, kind: 'probe', ts: 3 },
    { seq: 4, kind: 'vpn', ts: 4, vpnState: 'down' },
    { seq: 5, kind: 'probe', ts: 5 },
    { seq: 6, kind: 'vpn', ts: 6, vpnState: 'down' },
  ];
  return { id: 'd1', hostname: 'NB-1', lastAckSeq, lastSeq: 6, history } as unknown as SimDevice;
}

describe('the crash audit', () => {
  let db: AuditDb;
  afterEach(() => db.close());

  function store(lastSeq: number, probeSeqs: number[], vpn: [number, string][]): AuditDb {
    const Database = serverSqlite();
    db = new Database(':memory:');
    db.exec(SCHEMA);
    db.exec(`INSERT INTO devices VALUES ('d1', ${lastSeq})`);
    for (const seq of probeSeqs) db.exec(`INSERT INTO probe_samples VALUES ('d1', ${seq})`);
    for (const [ts, to] of vpn)
      db.exec(`INSERT INTO events (device_id, ts, kind, to_state) VALUES ('d1', ${ts}, 'vpn', '${to}')`);
    return db;
  }

  it('passes a store that holds every sent probe once and one event per transition', () => {
    const audit = auditStore(
      store(
        6,
        [3, 5],
        [
          [2, 'up'],
          [4, 'down'],
        ],
      ),
      [device(6)],
      [6],
    );
    expect(audit).toMatchObject({ lostAcked: [], invented: [], probeMismatch: [], vpnMismatch: [] });
  });

  it('only expects what the server stored up to its last seq', () => {
    const audit = auditStore(store(3, [3], [[2, 'up']]), [device(3)], [3]);
    expect(audit).toMatchObject({ lostAcked: [], probeMismatch: [], vpnMismatch: [] });
  });

  it('names a device whose acknowledged observations are gone', () => {
    const audit = auditStore(store(3, [3], [[2, 'up']]), [device(3)], [5]);
    expect(audit.lostAcked).toEqual(['NB-1 (d1): stored up to 3, acknowledged 5 before the crash']);
  });

  it('names a device with a missing probe sample', () => {
    const audit = auditStore(
      store(
        6,
        [5],
        [
          [2, 'up'],
          [4, 'down'],
        ],
      ),
      [device(6)],
      [6],
    );
    expect(audit.probeMismatch).toHaveLength(1);
    expect(audit.probeMismatch[0]).toContain('missing 3');
  });

  it('names a device whose VPN transition was stored twice', () => {
    const audit = auditStore(
      store(
        6,
        [3, 5],
        [
          [2, 'up'],
          [4, 'down'],
          [4, 'down'],
        ],
      ),
      [device(6)],
      [6],
    );
    expect(audit.vpnMismatch).toHaveLength(1);
    expect(audit.vpnMismatch[0]).toContain('stored 3 VPN events');
  });

  it('names a device with seqs it never measured', () => {
    const audit = auditStore(
      store(
        9,
        [3, 5],
        [
          [2, 'up'],
          [4, 'down'],
        ],
      ),
      [device(6)],
      [6],
    );
    expect(audit.invented).toEqual(['NB-1 (d1): stored up to 9, measured 6']);
  });
});
