import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_WS_PATH } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { hello } from './test-support/fixtures.js';
import { FrameSocket } from './test-support/frame-socket.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('buildApp', () => {
  it('refuses options that cannot work', async () => {
    await expect(buildApp({ heartbeatSec: 0 })).rejects.toThrow(/heartbeatSec/);
    await expect(buildApp({ helloTimeoutMs: -1 })).rejects.toThrow(/helloTimeoutMs/);
  });

  it.skipIf(!hasOpenssl())('serves HTTPS and WSS when given a certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagebild-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
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
      const cert = readFileSync(join(dir, 'cert.pem'));
      const app = await buildApp({
        enrollSecrets: ['s'],
        dashboardDir: false,
        tls: { cert, key: readFileSync(join(dir, 'key.pem')) },
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as { port: number };
      const res = await app.inject({
        method: 'POST',
        url: '/v1/enroll',
        payload: { secret: 's', hardwareId: 'hw', hostname: 'nb', protocol: 1 },
      });
      const { deviceId, token } = res.json();
      const socket = await FrameSocket.open(`wss://127.0.0.1:${port}${AGENT_WS_PATH}`, { ca: cert });
      socket.send(hello(deviceId, token));
      expect(await socket.next()).toMatchObject({ type: 'welcome', deviceId });
      await socket.close();
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
