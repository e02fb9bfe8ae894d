import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from './http-probe.js';
import {
  close,
  delayedHandoff,
  delayingRelay,
  hasIpv6Loopback,
  listen,
  makeTestPki,
  probeConfig,
  type TestPki,
} from './probe-fixtures.test-util.js';
import { loadProbeTls } from './probe-tls.js';

const DAY = 86_400_000;
const handler: RequestListener = (req, res) => {
  res.statusCode = req.url === '/fail' ? 503 : 200;
  res.end('Fachverfahren bereit');
};
const https = (target: string, extra = {}) => probeConfig('http', target, extra);

describe('HTTPS probe', () => {
  let pki: TestPki;
  const servers: Array<Server | NetServer> = [];
  const url: Record<string, string> = {};
  /** starts an HTTPS server with one of the test certificates; returns its base URL */
  const serve = async (name: string, cert: { key: string; cert: string }) => {
    const s = createServer(cert, handler);
    servers.push(s);
    url[name] = `https://127.0.0.1:${await listen(s)}`;
    return s;
  };
  beforeAll(async () => {
    pki = makeTestPki();
    const good = await serve('good', pki.good);
    await serve('expired', pki.expired);
    await serve('future', pki.notYetValid);
    await serve('wrongHost', pki.wrongHost);
    // the TLS server answers the ClientHello 150 ms late: a relay holds the client's first bytes
    const relay = delayingRelay(Number(new URL(url.good!).port), 150);
    servers.push(relay);
    url.slowTls = `https://127.0.0.1:${await listen(relay)}`;
    // never hands the connection to the TLS server
    const stuck = delayedHandoff(good, 60_000);
    servers.push(stuck);
    url.stuck = `https://127.0.0.1:${await listen(stuck)}`;
    const plain = createHttpServer(handler);
    servers.push(plain);
    url.plain = `https://127.0.0.1:${await listen(plain)}`;
  });
  afterAll(async () => {
    for (const s of servers) await close(s);
    pki.remove();
  });

  it('times the TLS handshake and reads the certificate expiry', async () => {
    const r = await httpProbe(https(`${url.good}/`), { tls: { ca: pki.ca } });
    expect(r).toMatchObject({ ok: true, status: 200, ipVersion: 4 });
    expect(r.phases.tlsMs).toBeGreaterThan(r.phases.connectMs!);
    expect(r.phases.ttfbMs).toBeGreaterThanOrEqual(r.phases.tlsMs!);
    const days = ((r.certExpiresAt ?? 0) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThanOrEqual(30.1);
  });

  it('shows a server that answers the ClientHello late in the TLS phase, not in connect', async () => {
    const r = await httpProbe(https(`${url.slowTls}/`), { tls: { ca: pki.ca } });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(r.phases.connectMs).toBeLessThan(50);
    expect(r.phases.tlsMs! - r.phases.connectMs!).toBeGreaterThanOrEqual(145);
    expect(r.phases.tlsMs! - r.phases.connectMs!).toBeLessThan(1000);
  });

  it('classifies an untrusted certificate as cert-invalid and still tells its expiry', async () => {
    const r = await httpProbe(https(`${url.good}/`));
    expect(r).toMatchObject({ ok: false, errorClass: 'cert-invalid', ipVersion: 4 });
    expect(r.errorMessage).toMatch(/UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)/);
    expect(r.status).toBeUndefined(); // nothing is sent over a connection whose certificate was rejected
    expect(r.certExpiresAt).toBeGreaterThan(Date.now() + 29 * DAY);
  });

  it('classifies an expired certificate as cert-expired', async () => {
    const r = await httpProbe(https(`${url.expired}/`), { tls: { ca: pki.ca } });
    expect(r).toMatchObject({ ok: false, errorClass: 'cert-expired', certExpiresAt: Date.UTC(2020, 1, 1) });
  });

  it('classifies a certificate for another host name as cert-invalid', async () => {
    const r = await httpProbe(https(`${url.wrongHost}/`), { tls: { ca: pki.ca } });
    expect(r).toMatchObject({ ok: false, errorClass: 'cert-invalid' });
    expect(r.errorMessage).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('classifies a certificate that is not valid yet as cert-invalid', async () => {
    const r = await httpProbe(https(`${url.future}/`), { tls: { ca: pki.ca } });
    expect(r).toMatchObject({ ok: false, errorClass: 'cert-invalid' });
    expect(r.errorMessage).toContain('CERT_NOT_YET_VALID');
  });

  it('reports the certificate expiry also when the status is wrong', async () => {
    const r = await httpProbe(https(`${url.good}/fail`), { tls: { ca: pki.ca } });
    expect(r).toMatchObject({ ok: false, errorClass: 'http-status', status: 503 });
    expect(r.certExpiresAt).toBeGreaterThan(Date.now() + 29 * DAY);
  });

  it('classifies a server that does not speak TLS as tls', async () => {
    const r = await httpProbe(https(`${url.plain}/`));
    expect(r).toMatchObject({ ok: false, errorClass: 'tls' });
    expect(r.phases.connectMs).toBeDefined();
  });

  it('counts a TLS handshake that never completes as timeout', async () => {
    const r = await httpProbe(https(`${url.stuck}/`, { timeoutMs: 300 }), { tls: { ca: pki.ca } });
    expect(r).toMatchObject({ ok: false, errorClass: 'timeout' });
    expect(r.phases.connectMs).toBeDefined();
    expect(r.phases.tlsMs).toBeUndefined();
  });

  it('trusts the CA file of the agent config on top of the bundled root CAs', async () => {
    const tls = loadProbeTls(pki.caFile);
    expect(await httpProbe(https(`${url.good}/`), { tls })).toMatchObject({ ok: true, status: 200 });
    expect(Array.isArray(tls.ca) && tls.ca.length).toBeGreaterThan(100);
  });

  it('refuses a CA file that holds no certificate', () => {
    const file = join(tmpdir(), `lagebild-not-a-ca-${process.pid}.pem`);
    writeFileSync(file, 'kein Zertifikat');
    expect(() => loadProbeTls(file)).toThrow(/no PEM certificate/);
    expect(() => loadProbeTls(join(tmpdir(), 'lagebild-missing.pem'))).toThrow(/cannot read/);
  });
});

const v6 = await hasIpv6Loopback();
if (!v6) console.warn('skipping the HTTPS-over-IPv6 probe test: this machine has no IPv6 loopback (::1)');

describe.skipIf(!v6)('HTTPS probe over IPv6 (needs ::1)', () => {
  let pki: TestPki;
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    pki = makeTestPki();
    server = createServer(pki.good, handler);
    port = await listen(server, '::1');
  });
  afterAll(async () => {
    await close(server);
    pki.remove();
  });

  it('checks the certificate against the IPv6 address', async () => {
    const r = await httpProbe(https(`https://[::1]:${port}/`), { tls: { ca: pki.ca } });
    expect(r).toMatchObject({ ok: true, status: 200, ipVersion: 6 });
    expect(r.phases.tlsMs).toBeGreaterThan(r.phases.connectMs!);
  });
});
