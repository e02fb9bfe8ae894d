import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blackholePort } from './probe-fixtures.test-util.js';
import { parseHostPort, tcpConnect } from './tcp-connect.js';

describe('TCP connect check', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('connects to a listening port and times the handshake', async () => {
    const r = await tcpConnect('127.0.0.1', port, 2000);
    expect(r.ok).toBe(true);
    expect(r.connectMs).toBeGreaterThanOrEqual(0);
    expect(r.totalMs).toBeGreaterThanOrEqual(r.connectMs!);
  });

  it('reports a refused connection with its code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await tcpConnect('127.0.0.1', closedPort, 2000)).toMatchObject({
      ok: false,
      code: 'ECONNREFUSED',
    });
  });

  it('reports a connection that is never accepted as TIMEOUT', async () => {
    const hole = await blackholePort();
    try {
      expect(await tcpConnect('127.0.0.1', hole.port, 200)).toMatchObject({ ok: false, code: 'TIMEOUT' });
    } finally {
      hole.stop();
    }
  });

  it('splits host:port targets, including bracketed IPv6', () => {
    expect(parseHostPort('gw.stadt.local:443')).toEqual({ host: 'gw.stadt.local', port: 443 });
    expect(parseHostPort('[fd00::1]:8443')).toEqual({ host: 'fd00::1', port: 8443 });
    expect(parseHostPort('gw.stadt.local')).toBeNull();
    expect(parseHostPort('gw:70000')).toBeNull();
  });
});
