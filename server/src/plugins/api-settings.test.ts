import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { type Session, signIn } from '../test-support/auth.js';
import { SECRET } from '../test-support/fixtures.js';

const HOUR = 3_600_000;

describe('settings and the probe preview', () => {
  let app: FastifyInstance;
  let admin: Session;
  let target: Server;
  let port: number;
  let closedPort: number;

  beforeAll(async () => {
    app = await buildApp({
      enrollSecrets: [SECRET],
      dashboardDir: false,
      retention: { rawMs: 3 * 24 * HOUR, eventsMs: 30 * 24 * HOUR },
      sessionIdleMs: 2 * HOUR,
    });
    admin = await signIn(app);
    // a stand-in Fachverfahren: answers /ok with a page, /slow after 600 ms, everything else 503
    target = createServer((req, res) => {
      if (req.url === '/ok') res.end('<title>Bauportal</title> Anmeldung');
      else if (req.url === '/slow') setTimeout(() => res.end('spät'), 600);
      else {
        res.statusCode = 503;
        res.end('Wartung');
      }
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
    // a port nobody listens on: bind one, note it, close it
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
  });
  afterAll(async () => {
    await app.close();
    await new Promise((r) => target.close(r));
  });

  const probe = (over: Record<string, unknown>) => ({
    id: 'bauportal',
    app: 'Bauportal',
    kind: 'http',
    target: `http://127.0.0.1:${port}/ok`,
    intervalSec: 60,
    timeoutMs: 3000,
    ...over,
  });
  const preview = (body: object) =>
    admin.inject({ method: 'POST', url: '/api/v1/config/probes/preview', payload: body });

  it('shows the effective retention periods and session lifetimes from the server options', async () => {
    const res = await admin.inject('/api/v1/settings');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      retention: {
        rawMs: 3 * 24 * HOUR,
        minuteMs: 14 * 24 * HOUR,
        hourMs: 400 * 24 * HOUR,
        eventsMs: 30 * 24 * HOUR,
      },
      sessions: { idleMs: 2 * HOUR, absoluteMs: 24 * HOUR },
      retentionIntervalMs: 600_000,
    });
  });

  it('runs an HTTP probe once from the server with its phases and status', async () => {
    const res = await preview(probe({ expectBody: 'Anmeldung' }));
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.from).toBe('server');
    expect(body.result).toMatchObject({
      ok: true,
      errorClass: null,
      status: 200,
      probeKind: 'http',
      ipVersion: 4,
    });
    const { connectMs, ttfbMs, totalMs, dnsMs } = body.result.phases;
    expect(dnsMs).toBeUndefined(); // an IP address needs no lookup
    expect(connectMs).toBeGreaterThanOrEqual(0);
    expect(ttfbMs).toBeGreaterThanOrEqual(connectMs);
    expect(totalMs).toBeGreaterThanOrEqual(ttfbMs);
  });

  it('resolves a name, and reports a wrong status, missing text, a refused port and a timeout by class', async () => {
    const named = (await preview(probe({ target: `http://localhost:${port}/ok` }))).json().result;
    expect(named.ok, JSON.stringify(named)).toBe(true);
    expect(named.phases.dnsMs).toBeGreaterThanOrEqual(0);

    const status = (await preview(probe({ target: `http://127.0.0.1:${port}/wartung` }))).json().result;
    expect(status).toMatchObject({ ok: false, errorClass: 'http-status', status: 503 });
    const accepted = (
      await preview(probe({ target: `http://127.0.0.1:${port}/wartung`, expectStatus: [503] }))
    ).json().result;
    expect(accepted.ok).toBe(true);
    const text = (await preview(probe({ expectBody: 'Gibt es nicht' }))).json().result;
    expect(text).toMatchObject({ ok: false, errorClass: 'body-mismatch' });
    const refused = (await preview(probe({ kind: 'tcp', target: `127.0.0.1:${closedPort}` }))).json().result;
    expect(refused).toMatchObject({ ok: false, errorClass: 'refused' });
    const tcp = (await preview(probe({ kind: 'tcp', target: `127.0.0.1:${port}` }))).json().result;
    expect(tcp.ok).toBe(true);
    expect(tcp.phases.connectMs).toBeGreaterThanOrEqual(0);

    const started = Date.now();
    const slow = (await preview(probe({ target: `http://127.0.0.1:${port}/slow`, timeoutMs: 200 }))).json()
      .result;
    expect(slow).toMatchObject({ ok: false, errorClass: 'timeout' });
    expect(Date.now() - started).toBeLessThan(590);
  });

  it('validates the target like PUT /config/probes: strict types, limits and no unknown fields', async () => {
    for (const bad of [
      probe({ intervalSec: 1 }),
      probe({ timeoutMs: '3000' }),
      probe({ kind: 'ftp' }),
      probe({ id: 'mit leerzeichen' }),
      probe({ retries: 3 }),
    ]) {
      const res = await preview(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().code).toBe('LB_ERR_REQUEST_INVALID');
    }
    expect((await preview(probe({ intervalSec: 1 }))).json().message).toContain('body.intervalSec');
  });
});
