import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EnrollRequest, PROTOCOL_VERSION } from '@lagebild/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enroll, ensureEnrolled, serverEndpoint } from './enroll.js';
import { AgentState } from './state.js';

describe('enrollment', () => {
  let server: Server;
  let url = '';
  let requests: EnrollRequest[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const r = JSON.parse(body) as EnrollRequest;
        requests.push(r);
        res.setHeader('content-type', 'application/json');
        if (req.url !== '/v1/enroll' || r.secret !== 'richtig') {
          res.statusCode = 401;
          res.end(JSON.stringify({ statusCode: 401, code: 'LB_ERR_ENROLL_SECRET_INVALID', message: 'no' }));
          return;
        }
        res.end(
          JSON.stringify({
            deviceId: `dev-${requests.length}`,
            token: 'x'.repeat(43),
            protocol: PROTOCOL_VERSION,
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    requests = [];
  });

  const device = async () => ({ hardwareId: 'sha256:abc', hostname: 'NB-0815' });

  it('trades the secret for a device id and token', async () => {
    const creds = await enroll({ serverUrl: `${url}/`, secret: 'richtig', ...(await device()) });
    expect(creds).toEqual({ serverUrl: url, deviceId: 'dev-1', token: 'x'.repeat(43) });
    expect(requests).toEqual([
      { secret: 'richtig', hardwareId: 'sha256:abc', hostname: 'NB-0815', protocol: PROTOCOL_VERSION },
    ]);
  });

  it('fails with the server error code for a wrong secret', async () => {
    await expect(enroll({ serverUrl: url, secret: 'falsch', ...(await device()) })).rejects.toMatchObject({
      code: 'LB_ERR_ENROLL_SECRET_INVALID',
    });
  });

  it('enrolls once per server and reuses the stored credentials afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagebild-enroll-'));
    try {
      const state = AgentState.open(dir);
      const first = await ensureEnrolled({ state, serverUrl: url, secret: 'richtig', device });
      const again = await ensureEnrolled({ state, serverUrl: `${url}/`, device });
      expect(first.enrolled).toBe(true);
      expect(again).toEqual({ credentials: first.credentials, enrolled: false });
      expect(requests).toHaveLength(1);
      const forced = await ensureEnrolled({ state, serverUrl: url, secret: 'richtig', device, force: true });
      expect(forced.credentials.deviceId).toBe('dev-2');
      expect(state.credentials()?.deviceId).toBe('dev-2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks for a secret when the device is not enrolled yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagebild-enroll-'));
    try {
      await expect(ensureEnrolled({ state: AgentState.open(dir), serverUrl: url, device })).rejects.toThrow(
        /enrollment secret is needed/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds endpoints below a server URL with a path, switching to ws/wss for the socket', () => {
    expect(serverEndpoint('https://lagebild.stadt.de/agent', '/v1/agent', true)).toBe(
      'wss://lagebild.stadt.de/agent/v1/agent',
    );
    expect(serverEndpoint('http://127.0.0.1:8080', '/v1/agent', true)).toBe('ws://127.0.0.1:8080/v1/agent');
    expect(serverEndpoint('http://127.0.0.1:8080/', '/v1/enroll')).toBe('http://127.0.0.1:8080/v1/enroll');
  });
});
