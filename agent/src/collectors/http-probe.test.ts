import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT, httpProbe } from './http-probe.js';
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

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const routes: Record<string, Handler> = {
  '/slow-first-byte': (_req, res) => setTimeout(() => res.end('ok'), 150),
  '/fail': (_req, res) => {
    res.statusCode = 500;
    res.end('kaputt');
  },
  '/missing': (_req, res) => {
    res.statusCode = 404;
    res.end('nicht da');
  },
  '/hang': () => {},
  '/hangup': (req) => req.socket.destroy(),
  '/redirect': (_req, res) => {
    res.writeHead(302, { location: '/elsewhere' });
    res.end();
  },
  '/login': (_req, res) => res.end('<html><title>Einwohnerwesen – Anmeldung</title></html>'),
  '/big': (_req, res) => res.end(`${'x'.repeat(BODY_LIMIT)}Anmeldung`),
  '/host': (req, res) => res.end(`host=${req.headers.host}`),
};

const http = (target: string, extra = {}) => probeConfig('http', target, extra);

describe('HTTP probe', () => {
  let server: Server;
  let base = '';
  let connections = 0;
  let dns: TestDns;
  let silentDns: TestDns;
  beforeAll(async () => {
    server = createServer((req, res) => (routes[req.url ?? ''] ?? ((_q, r) => r.end('ok')))(req, res));
    server.on('connection', () => connections++);
    base = `http://127.0.0.1:${await listen(server)}`;
    dns = await startDns({ 'fachverfahren.test': { a: ['127.0.0.1'] } });
    silentDns = await startDns({}, { silent: true });
  });
  afterAll(async () => {
    await close(server);
    await dns.close();
    await silentDns.close();
  });

  it('shows a server that waits before its first byte in the time to first byte', async () => {
    const r = await httpProbe(http(`${base}/slow-first-byte`));
    expect(r).toMatchObject({ ok: true, errorClass: null, status: 200, probeKind: 'http', ipVersion: 4 });
    expect(r.phases.ttfbMs).toBeGreaterThanOrEqual(145);
    expect(r.phases.ttfbMs).toBeLessThan(1000);
    expect(r.phases.connectMs).toBeLessThan(50);
    // cumulative milestones as curl reports them; no name to resolve for an address
    expect(r.phases.totalMs).toBeGreaterThanOrEqual(r.phases.ttfbMs!);
    expect(r.phases.ttfbMs).toBeGreaterThanOrEqual(r.phases.connectMs!);
    expect(r.phases.dnsMs).toBeUndefined();
    expect(r.phases.tlsMs).toBeUndefined();
  });

  it('opens a new connection for every probe', async () => {
    const before = connections;
    await httpProbe(http(`${base}/`));
    await httpProbe(http(`${base}/`));
    expect(connections - before).toBe(2);
  });

  it('accepts any 2xx or 3xx by default and does not follow a redirect', async () => {
    expect(await httpProbe(http(`${base}/redirect`))).toMatchObject({ ok: true, status: 302 });
  });

  it('classifies a 500 answer as http-status', async () => {
    expect(await httpProbe(http(`${base}/fail`))).toMatchObject({
      ok: false,
      errorClass: 'http-status',
      status: 500,
      errorMessage: 'HTTP 500, expected 200–399',
    });
  });

  it('accepts exactly the statuses listed in expectStatus', async () => {
    expect(await httpProbe(http(`${base}/missing`, { expectStatus: [200, 404] }))).toMatchObject({
      ok: true,
      status: 404,
    });
    expect(await httpProbe(http(`${base}/redirect`, { expectStatus: [200] }))).toMatchObject({
      ok: false,
      errorClass: 'http-status',
      status: 302,
    });
  });

  it('finds the expected text in the body, or reports body-mismatch', async () => {
    expect(await httpProbe(http(`${base}/login`, { expectBody: 'Anmeldung' }))).toMatchObject({ ok: true });
    expect(await httpProbe(http(`${base}/login`, { expectBody: 'Wartungsarbeiten' }))).toMatchObject({
      ok: false,
      errorClass: 'body-mismatch',
      status: 200,
    });
  });

  it('looks for the expected text only in the first 64 KiB, but times the whole body', async () => {
    const r = await httpProbe(http(`${base}/big`, { expectBody: 'Anmeldung' }));
    expect(r).toMatchObject({ ok: false, errorClass: 'body-mismatch' });
    expect(r.phases.totalMs).toBeGreaterThanOrEqual(r.phases.ttfbMs!);
  });

  it('classifies a closed port as refused', async () => {
    expect(await httpProbe(http(`http://127.0.0.1:${await closedPort()}/`))).toMatchObject({
      ok: false,
      errorClass: 'refused',
    });
  });

  it('classifies a connection that is never accepted as connect-timeout', async () => {
    const hole = await blackholePort();
    try {
      const r = await httpProbe(http(`http://127.0.0.1:${hole.port}/`, { timeoutMs: 300 }));
      expect(r).toMatchObject({ ok: false, errorClass: 'connect-timeout' });
      expect(r.phases.connectMs).toBeUndefined();
      expect(r.phases.totalMs).toBeGreaterThanOrEqual(295);
      expect(r.phases.totalMs).toBeLessThan(1000);
    } finally {
      hole.stop();
    }
  });

  it('gives up after the timeout and says so', async () => {
    const r = await httpProbe(http(`${base}/hang`, { timeoutMs: 300 }));
    expect(r).toMatchObject({ ok: false, errorClass: 'timeout' });
    expect(r.errorMessage).toContain('300 ms');
    expect(r.phases.connectMs).toBeDefined();
    expect(r.phases.totalMs).toBeGreaterThanOrEqual(295);
    expect(r.phases.totalMs).toBeLessThan(1000);
  });

  it('classifies a connection closed without an answer as a protocol error', async () => {
    expect(await httpProbe(http(`${base}/hangup`))).toMatchObject({ ok: false, errorClass: 'protocol' });
  });

  it('reports an unusable target as other', async () => {
    expect(await httpProbe(http('ftp://fachverfahren/'))).toMatchObject({ ok: false, errorClass: 'other' });
    expect(await httpProbe(http('kein url'))).toMatchObject({ ok: false, errorClass: 'other' });
  });

  it('resolves the host name, times the lookup and sends the name in the Host header', async () => {
    const port = new URL(base).port;
    const r = await httpProbe(
      http(`http://fachverfahren.test:${port}/host`, { expectBody: 'host=fachverfahren.test' }),
      {
        lookup: resolverLookup([dns.server]),
      },
    );
    expect(r).toMatchObject({ ok: true, status: 200, ipVersion: 4 });
    expect(r.phases.dnsMs).toBeGreaterThanOrEqual(0);
    expect(r.phases.connectMs).toBeGreaterThanOrEqual(r.phases.dnsMs!);
    expect(dns.queries).toContain('fachverfahren.test A');
  });

  it('classifies an unknown name as dns and a resolver that stays silent as dns-timeout', async () => {
    const unknown = await httpProbe(http('http://unbekannt.test/'), { lookup: resolverLookup([dns.server]) });
    expect(unknown).toMatchObject({ ok: false, errorClass: 'dns' });
    const silent = await httpProbe(http('http://fachverfahren.test/', { timeoutMs: 400 }), {
      lookup: resolverLookup([silentDns.server]),
    });
    expect(silent).toMatchObject({ ok: false, errorClass: 'dns-timeout' });
    expect(silent.phases.totalMs).toBeGreaterThanOrEqual(395);
    expect(silent.phases.totalMs).toBeLessThan(1500);
    expect(silentDns.queries.length).toBeGreaterThan(0);
  });
});

const v6 = await hasIpv6Loopback();
if (!v6) console.warn('skipping the IPv6 probe tests: this machine has no IPv6 loopback (::1)');

describe.skipIf(!v6)('HTTP probe over IPv6 (needs ::1)', () => {
  let v4server: Server;
  let v6server: Server;
  let port = 0;
  let dns: TestDns;
  beforeAll(async () => {
    // one port on both loopback addresses; each server says which one answered
    v4server = createServer((_q, r) => r.end('answered over v4'));
    v6server = createServer((_q, r) => r.end('answered over v6'));
    for (let attempt = 0; attempt < 5 && !port; attempt++) {
      port = await listen(v4server);
      try {
        await listen(v6server, '::1', port);
      } catch {
        await close(v4server);
        port = 0;
      }
    }
    dns = await startDns({ 'dual.test': { a: ['127.0.0.1'], aaaa: ['::1'] } });
  });
  afterAll(async () => {
    await close(v4server);
    await close(v6server);
    await dns.close();
  });

  it('probes an IPv6 address and reports IP version 6', async () => {
    const r = await httpProbe(http(`http://[::1]:${port}/`, { expectBody: 'over v6' }));
    expect(r).toMatchObject({ ok: true, status: 200, ipVersion: 6 });
  });

  it('connects over the configured IP version when the name has A and AAAA records', async () => {
    const lookup = resolverLookup([dns.server]);
    const six = await httpProbe(http(`http://dual.test:${port}/`, { ipVersion: 6, expectBody: 'over v6' }), {
      lookup,
    });
    expect(six).toMatchObject({ ok: true, ipVersion: 6 });
    const four = await httpProbe(http(`http://dual.test:${port}/`, { ipVersion: 4, expectBody: 'over v4' }), {
      lookup,
    });
    expect(four).toMatchObject({ ok: true, ipVersion: 4 });
  });

  it('refuses an address of the other IP version than configured', async () => {
    expect(await httpProbe(http(`http://[::1]:${port}/`, { ipVersion: 4 }))).toMatchObject({
      ok: false,
      errorClass: 'other',
    });
  });
});
