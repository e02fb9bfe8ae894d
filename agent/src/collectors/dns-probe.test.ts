import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsProbe, parseDnsTarget } from './dns-probe.js';
import { closedPort, probeConfig, startDns, type TestDns } from './probe-fixtures.test-util.js';
import { resolverLookup } from './probe-resolve.js';

const dns = (target: string, extra = {}) => probeConfig('dns', target, extra);

describe('DNS probe', () => {
  let server: TestDns;
  let silent: TestDns;
  beforeAll(async () => {
    server = await startDns({
      'ewo.stadt.test': { a: ['10.20.1.5'], aaaa: ['fd00:20::5'] },
      'nur-v4.stadt.test': { a: ['10.20.1.6'] },
    });
    silent = await startDns({}, { silent: true });
  });
  afterAll(async () => {
    await server.close();
    await silent.close();
  });

  it('asks the given DNS server for A and AAAA records and times the answer', async () => {
    const r = await dnsProbe(dns(`dns://${server.server}/ewo.stadt.test`));
    expect(r).toMatchObject({ ok: true, errorClass: null, probeKind: 'dns' });
    // the answer is the last milestone of a DNS probe
    expect(r.phases.dnsMs).toBeLessThanOrEqual(r.phases.totalMs);
    expect(r.phases.totalMs - r.phases.dnsMs!).toBeLessThan(1);
    expect(server.queries).toEqual(expect.arrayContaining(['ewo.stadt.test A', 'ewo.stadt.test AAAA']));
  });

  it('asks only for the records of the configured IP version', async () => {
    server.queries.length = 0;
    const r = await dnsProbe(dns(`dns://${server.server}/ewo.stadt.test`, { ipVersion: 6 }));
    expect(r).toMatchObject({ ok: true, ipVersion: 6 });
    expect(server.queries).toEqual(['ewo.stadt.test AAAA']);
    const v6missing = await dnsProbe(dns(`dns://${server.server}/nur-v4.stadt.test`, { ipVersion: 6 }));
    expect(v6missing).toMatchObject({ ok: false, errorClass: 'dns' });
  });

  it('classifies a name the server does not know (NXDOMAIN) as dns', async () => {
    const r = await dnsProbe(dns(`dns://${server.server}/unbekannt.stadt.test`));
    expect(r).toMatchObject({ ok: false, errorClass: 'dns' });
    expect(r.errorMessage).toContain('ENOTFOUND');
  });

  it('classifies a server that never answers as dns-timeout, within the timeout', async () => {
    const r = await dnsProbe(dns(`dns://${silent.server}/ewo.stadt.test`, { timeoutMs: 400 }));
    expect(r).toMatchObject({ ok: false, errorClass: 'dns-timeout' });
    expect(r.phases.totalMs).toBeGreaterThanOrEqual(395);
    expect(r.phases.totalMs).toBeLessThan(1500);
  });

  it('classifies a resolver port that is closed as dns-timeout', async () => {
    const port = await closedPort();
    const r = await dnsProbe(dns(`dns://127.0.0.1:${port}/ewo.stadt.test`, { timeoutMs: 1000 }));
    expect(r).toMatchObject({ ok: false, errorClass: 'dns-timeout' });
  });

  it('resolves a plain host name with the resolver it is given (default: the system resolver)', async () => {
    expect(await dnsProbe(dns('ewo.stadt.test'), resolverLookup([server.server]))).toMatchObject({
      ok: true,
    });
    expect(await dnsProbe(dns('localhost'))).toMatchObject({ ok: true, target: 'localhost' });
  });

  it('reports a malformed target as other', async () => {
    expect(await dnsProbe(dns('dns://resolver.stadt.test/ewo.stadt.test'))).toMatchObject({
      errorClass: 'other',
    });
    expect(await dnsProbe(dns('10.20.1.5'))).toMatchObject({ errorClass: 'other' });
  });
});

describe('DNS probe targets', () => {
  it('reads a host name or dns://server[:port]/name', () => {
    expect(parseDnsTarget('ewo.stadt.local')).toEqual({ name: 'ewo.stadt.local' });
    expect(parseDnsTarget('dns://10.20.0.53/ewo.stadt.local')).toEqual({
      name: 'ewo.stadt.local',
      server: '10.20.0.53',
    });
    expect(parseDnsTarget('dns://10.20.0.53:5353/ewo.stadt.local.')).toEqual({
      name: 'ewo.stadt.local.',
      server: '10.20.0.53:5353',
    });
    expect(parseDnsTarget('dns://[fd00::53]:53/ewo.stadt.local')).toEqual({
      name: 'ewo.stadt.local',
      server: '[fd00::53]:53',
    });
  });

  it('refuses resolver names, IP addresses as names and anything else that is not a host name', () => {
    expect(parseDnsTarget('dns://ns.stadt.local/ewo.stadt.local')).toBeNull();
    expect(parseDnsTarget('dns://10.20.0.53/')).toBeNull();
    expect(parseDnsTarget('10.20.1.5')).toBeNull();
    expect(parseDnsTarget('https://ewo.stadt.local/')).toBeNull();
    expect(parseDnsTarget('ewo stadt')).toBeNull();
  });
});
