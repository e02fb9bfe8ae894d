import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceList } from '@lagebild/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningProcess, startCli } from '../helpers/process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** A throwaway city PKI made with the openssl CLI, the way docs/OPERATIONS.md tells an admin to. */
function createPki(dir: string) {
  const openssl = (command: string) =>
    execFileSync('openssl', command.split(' '), {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  for (const ca of ['ca', 'other-ca'])
    openssl(
      `req -x509 ${ec} -keyout ${ca}.key -out ${ca}.pem -days 2 -subj /CN=${ca} -addext basicConstraints=critical,CA:TRUE`,
    );
  openssl(`req ${ec} -keyout server.key -out server.csr -subj /CN=lagebild-test`);
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext',
  );
  const fingerprint = (file: string) =>
    openssl(`x509 -noout -fingerprint -sha256 -in ${file}`).trim().split('=')[1]!;
  return {
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    cert: readFileSync(join(dir, 'server.pem')),
    key: readFileSync(join(dir, 'server.key')),
    fingerprint: fingerprint('server.pem'),
    otherFingerprint: fingerprint('other-ca.pem'),
  };
}

describe('TLS between a real agent process and a real HTTPS/WSS server', () => {
  let dir: string;
  let pki: ReturnType<typeof createPki>;
  let server: TestServer;
  let httpsUrl: string;
  let agent: RunningProcess | undefined;

  const devices = async () => {
    const res = await server.app.inject({ url: '/api/v1/devices', headers: { cookie: server.cookie } });
    return (res.json() as DeviceList).devices;
  };
  const runAgent = (stateDir: string, ...trust: string[]) => {
    agent = startCli('agent/bin/lagebild-agent.js', [
      'run',
      '--server',
      httpsUrl,
      '--enroll-secret',
      server.secret,
      '--state-dir',
      stateDir,
      ...trust,
    ]);
    return agent;
  };
  const waitForOutput = (a: RunningProcess, text: string) =>
    eventually(
      async () => (a.output().includes(text) ? true : undefined),
      20_000,
      `"${text}" in: ${a.output()}`,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-tls-'));
    pki = createPki(dir);
    server = await startTestServer({ tls: { cert: pki.cert, key: pki.key } });
    httpsUrl = server.url.replace('http://', 'https://');
  });

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a server the configured CA did not sign, says why, and enrolls nothing', async () => {
    const state = join(dir, 'state-wrong-ca');
    const a = runAgent(state, '--ca-file', pki.otherCaFile);
    await waitForOutput(a, 'LB_ERR_TLS_UNTRUSTED');
    expect(a.output()).toMatch(/secret was not sent: server certificate of 127\.0\.0\.1 is not trusted/);
    expect(a.output()).toContain(`does not verify against the CA file ${pki.otherCaFile}`);
    expect(existsSync(join(state, 'credentials.json'))).toBe(false);
    expect(await devices()).toEqual([]);
  });

  it('refuses a server whose certificate does not match the pinned fingerprint', async () => {
    const state = join(dir, 'state-wrong-pin');
    const a = runAgent(state, '--server-fingerprint', pki.otherFingerprint);
    await waitForOutput(a, 'which is not pinned');
    expect(a.output()).toContain(`fingerprint ${pki.fingerprint}, which is not pinned`);
    expect(existsSync(join(state, 'credentials.json'))).toBe(false);
    expect(await devices()).toEqual([]);
  });

  it('enrolls, connects over wss and reports when the CA file issued the server certificate', async () => {
    const a = runAgent(join(dir, 'state-ca'), '--ca-file', pki.caFile);
    await waitForOutput(a, `connected to ${httpsUrl.replace('https', 'wss')}`);
    const device = await eventually(
      async () => (await devices()).find((d) => d.online && d.agentVersion),
      20_000,
      'the device online in the API',
    );
    expect(device.hostname).toBeTruthy();
    expect(a.output()).not.toContain('LB_ERR_TLS_UNTRUSTED');
  });

  it('refuses the wss connection of an enrolled agent once its trust no longer matches, sending no hello', async () => {
    const a = runAgent(join(dir, 'state-ca'), '--ca-file', pki.otherCaFile);
    await waitForOutput(a, `LB_ERR_TLS_UNTRUSTED: refusing ${httpsUrl.replace('https', 'wss')}`);
    expect(a.output()).toContain('nothing was sent');
    expect(a.output()).not.toContain('connected to');
    // the device enrolled above stays offline: no hello reached the server
    expect((await devices()).map((d) => d.online)).toEqual([false]);
  });

  it('connects with the pinned fingerprint and no CA, and keeps the pin with the credentials', async () => {
    const state = join(dir, 'state-pin');
    // colons removed and lower case: the way a fingerprint is often pasted
    const pin = pki.fingerprint.replaceAll(':', '').toLowerCase();
    const a = runAgent(state, '--server-fingerprint', `${pki.otherFingerprint},${pin}`);
    await waitForOutput(a, `connected to ${httpsUrl.replace('https', 'wss')}`);
    const stored = JSON.parse(readFileSync(join(state, 'server-pins.json'), 'utf8'));
    expect(stored.fingerprints).toContain(pki.fingerprint);
    await a.stop();
    // a restart without the flag still checks the stored pin, and still connects
    const again = runAgent(state);
    await waitForOutput(again, `pinned SHA-256 ${pki.otherFingerprint}, ${pki.fingerprint}`);
    await waitForOutput(again, `connected to ${httpsUrl.replace('https', 'wss')}`);
  });
});

describe('plain http between agent and server', () => {
  let server: TestServer;
  let dir: string;
  let agent: RunningProcess | undefined;

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'lagebild-plain-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is allowed to 127.0.0.1', async () => {
    agent = startCli('agent/bin/lagebild-agent.js', [
      'run',
      '--server',
      server.url,
      '--enroll-secret',
      server.secret,
      '--state-dir',
      join(dir, 'loopback'),
    ]);
    const a = agent;
    await eventually(
      async () =>
        a.output().includes(`connected to ${server.url.replace('http', 'ws')}`) ? true : undefined,
      20_000,
      `the connection in: ${a.output()}`,
    );
  });

  it('is refused to any other address before a connection is tried, without the development flag', async () => {
    const startedAt = Date.now();
    // TEST-NET-1: documentation only, never routed; the refusal comes from the URL alone
    const refused = startCli('agent/bin/lagebild-agent.js', [
      'run',
      '--server',
      'http://192.0.2.1:1',
      '--enroll-secret',
      'x',
      '--state-dir',
      join(dir, 'remote'),
      '--log-level',
      'debug',
    ]);
    const code = await new Promise<number | null>((r) => refused.child.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(refused.output()).toContain('refusing unencrypted http://192.0.2.1:1');
    expect(refused.output()).toContain('--insecure-dev');
    // nothing started: no state directory, no connection attempt logged
    expect(refused.output()).not.toMatch(/connecting|starting/);
    expect(existsSync(join(dir, 'remote'))).toBe(false);
  });
});
