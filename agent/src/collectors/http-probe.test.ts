import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeConfig } from '@lagebild/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from './http-probe.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const routes: Record<string, Handler> = {
  '/slow-first-byte': (_req, res) => setTimeout(() => res.end('ok'), 150),
  '/fail': (_req, res) => {
    res.statusCode = 500;
    res.end('kaputt');
  },
  '/hang': () => {},
  '/hangup': (req) => req.socket.destroy(),
  '/redirect': (_req, res) => {
    res.writeHead(302, { location: '/elsewhere' });
    res.end();
  },
};

const listen = (server: Server | ReturnType<typeof createHttpsServer>) =>
  new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
const close = (server: Server | ReturnType<typeof createHttpsServer>) =>
  new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });

const probe = (target: string, timeoutMs = 5000): ProbeConfig => ({
  id: 'fv-test',
  app: 'Testverfahren',
  kind: 'http',
  target,
  intervalSec: 60,
  timeoutMs,
});

describe('HTTP probe', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => (routes[req.url ?? ''] ?? ((_q, r) => r.end('ok')))(req, res));
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => close(server));

  it('shows a server that waits before its first byte in the time to first byte', async () => {
    const r = await httpProbe(probe(`${base}/slow-first-byte`));
    expect(r).toMatchObject({
      ok: true,
      errorClass: null,
      status: 200,
      probeKind: 'http',
      app: 'Testverfahren',
    });
    expect(r.phases.ttfbMs).toBeGreaterThanOrEqual(140);
    expect(r.phases.ttfbMs).toBeLessThan(1000);
    expect(r.phases.connectMs).toBeLessThan(100);
    expect(r.phases.totalMs).toBeGreaterThanOrEqual(r.phases.ttfbMs!);
    // cumulative milestones, as curl reports them
    expect(r.phases.ttfbMs).toBeGreaterThanOrEqual(r.phases.connectMs!);
    expect(r.phases.connectMs).toBeGreaterThanOrEqual(r.phases.dnsMs ?? 0);
    expect(r.phases.dnsMs).toBeUndefined();
  });

  it('times name resolution when the target is a host name', async () => {
    const r = await httpProbe(probe(`${base.replace('127.0.0.1', 'localhost')}/`));
    expect(r.ok).toBe(true);
    expect(r.phases.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it('classifies a 500 answer as http-status', async () => {
    expect(await httpProbe(probe(`${base}/fail`))).toMatchObject({
      ok: false,
      errorClass: 'http-status',
      status: 500,
    });
  });

  it('accepts a redirect without following it', async () => {
    expect(await httpProbe(probe(`${base}/redirect`))).toMatchObject({ ok: true, status: 302 });
  });

  it('classifies a closed port as refused', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await close(closed);
    expect(await httpProbe(probe(`http://127.0.0.1:${port}/`))).toMatchObject({
      ok: false,
      errorClass: 'refused',
    });
  });

  it('gives up after the timeout and says so', async () => {
    const r = await httpProbe(probe(`${base}/hang`, 300));
    expect(r).toMatchObject({ ok: false, errorClass: 'timeout' });
    expect(r.phases.totalMs).toBeGreaterThanOrEqual(290);
    expect(r.phases.totalMs).toBeLessThan(2000);
  });

  it('classifies a connection closed without an answer as a protocol error', async () => {
    expect(await httpProbe(probe(`${base}/hangup`))).toMatchObject({ ok: false, errorClass: 'protocol' });
  });

  it('reports an unusable target as other', async () => {
    expect(await httpProbe(probe('ftp://fachverfahren/'))).toMatchObject({ ok: false, errorClass: 'other' });
  });
});

describe('HTTPS probe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lagebild-tls-'));
  let server: ReturnType<typeof createHttpsServer>;
  let base = '';
  let cert = '';
  beforeAll(async () => {
    // a self-signed certificate valid for 30 days, made by the openssl CLI
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '30',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_req, res) =>
      res.end('ok'),
    );
    base = `https://127.0.0.1:${await listen(server)}`;
  });
  afterAll(async () => {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('times the TLS handshake and reads the certificate expiry', async () => {
    const r = await httpProbe(probe(`${base}/`), { ca: cert });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(r.phases.tlsMs).toBeGreaterThan(r.phases.connectMs!);
    const days = ((r.certExpiresAt ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThanOrEqual(30.1);
  });

  it('classifies an untrusted certificate as a TLS error', async () => {
    expect(await httpProbe(probe(`${base}/`))).toMatchObject({ ok: false, errorClass: 'tls' });
  });
});
