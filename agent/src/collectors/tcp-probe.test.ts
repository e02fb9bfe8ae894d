import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blackholePort,
  close,
  closedPort,
  hasIpv6Loopback,
  listen,
  probeConfig,
  startDns,
  type TestDns,
} from './probe-fixtures.test-util.js';
import { resolverLookup } from './probe-resolve.js';
import { tcpProbe } from './tcp-probe.js';

const tcp = (target: string, extra = {}) => probeConfig('tcp', target, extra);
const v6 = await hasIpv6Loopback();
if (!v6) console.warn('skipping the IPv6 TCP probe test: this machine has no IPv6 loopback (::1)');

describe('TCP connect probe', () => {
  let server: Server;
  let port = 0;
  let dns: TestDns;
  let silentDns: TestDns;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    port = await listen(server);
    dns = await startDns({ 'gis-db.test': { a: ['127.0.0.1'] } });
    silentDns = await startDns({}, { silent: true });
  });
  afterAll(async () => {
    await close(server);
    await dns.close();
    await silentDns.close();
  });

  it('times the connection to a listening service', async () => {
    const r = await tcpProbe(tcp(`127.0.0.1:${port}`));
    expect(r).toMatchObject({ ok: true, errorClass: null, probeKind: 'tcp', ipVersion: 4 });
    expect(r.phases.connectMs).toBeGreaterThanOrEqual(0);
    expect(r.phases.totalMs).toBeGreaterThanOrEqual(r.phases.connectMs!);
    expect(r.phases.dnsMs).toBeUndefined();
  });

  it('resolves a host name first: dns and connect are cumulative milestones', async () => {
    const r = await tcpProbe(tcp(`gis-db.test:${port}`), resolverLookup([dns.server]));
    expect(r).toMatchObject({ ok: true, ipVersion: 4 });
    expect(r.phases.connectMs).toBeGreaterThanOrEqual(r.phases.dnsMs!);
  });

  it('classifies a port without a listener as refused', async () => {
    expect(await tcpProbe(tcp(`127.0.0.1:${await closedPort()}`))).toMatchObject({
      ok: false,
      errorClass: 'refused',
    });
  });

  it('classifies a connection that is never accepted as connect-timeout', async () => {
    const hole = await blackholePort();
    try {
      const r = await tcpProbe(tcp(`127.0.0.1:${hole.port}`, { timeoutMs: 250 }));
      expect(r).toMatchObject({ ok: false, errorClass: 'connect-timeout' });
      expect(r.phases.totalMs).toBeGreaterThanOrEqual(245);
    } finally {
      hole.stop();
    }
  });

  it('classifies unknown names as dns and a silent resolver as dns-timeout', async () => {
    const lookupAt = (s: TestDns) => resolverLookup([s.server]);
    expect(await tcpProbe(tcp('unbekannt.test:5432'), lookupAt(dns))).toMatchObject({ errorClass: 'dns' });
    const r = await tcpProbe(tcp('gis-db.test:5432', { timeoutMs: 300 }), lookupAt(silentDns));
    expect(r).toMatchObject({ ok: false, errorClass: 'dns-timeout' });
  });

  it('reports a target without a port as other', async () => {
    expect(await tcpProbe(tcp('gis-db.test'))).toMatchObject({ ok: false, errorClass: 'other' });
  });

  it.skipIf(!v6)('connects to a bracketed IPv6 address and reports IP version 6 (needs ::1)', async () => {
    const s6 = createServer((s) => s.end());
    const p6 = await listen(s6, '::1');
    try {
      expect(await tcpProbe(tcp(`[::1]:${p6}`))).toMatchObject({ ok: true, ipVersion: 6 });
    } finally {
      await close(s6);
    }
  });
});
