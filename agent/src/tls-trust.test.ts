import { createServer, type Server } from 'node:https';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLocalConfig } from './config.js';
import { createTestPki, type TestPki } from './tls-certs.test-util.js';
import { trustedFetch } from './tls-fetch.js';
import {
  assertSecureServerUrl,
  isLoopbackHost,
  loadServerTrust,
  normalizeFingerprint,
  parseFingerprints,
  ServerUntrusted,
  trustedConnector,
} from './tls-trust.js';

const HEX = 'ab'.repeat(32);
const PRETTY = HEX.toUpperCase().match(/../g)!.join(':');

describe('server fingerprints', () => {
  it('are taken with or without colons, in any case, and as openssl prints them', () => {
    expect(normalizeFingerprint(HEX)).toBe(PRETTY);
    expect(normalizeFingerprint(PRETTY.toLowerCase())).toBe(PRETTY);
    expect(normalizeFingerprint(`sha256 Fingerprint=${PRETTY}`)).toBe(PRETTY);
  });

  it('may be a comma-separated list so that old and new certificate are pinned during a rotation', () => {
    const next = 'cd'.repeat(32);
    expect(parseFingerprints(`${HEX}, ${next}`)).toEqual([PRETTY, normalizeFingerprint(next)]);
  });

  it('are refused when they are not 64 hex digits, naming the openssl command that prints one', () => {
    expect(() => parseFingerprints('AB:CD')).toThrow(/openssl x509 -noout -fingerprint -sha256/);
    expect(() => parseFingerprints(' , ')).toThrow(/no SHA-256 fingerprint/);
  });
});

describe('serverTls in the config file', () => {
  it('takes a CA file and a list of fingerprints, normalized', () => {
    const c = parseLocalConfig(
      JSON.stringify({ serverTls: { caFile: '/etc/lagebild/ca.pem', fingerprints: [HEX] } }),
    );
    expect(c.serverTls).toEqual({ caFile: '/etc/lagebild/ca.pem', fingerprints: [PRETTY] });
  });

  it('names the field when a fingerprint is malformed or an unknown key is used', () => {
    expect(() => parseLocalConfig('{"serverTls":{"fingerprints":["AB:CD"]}}', 'agent.json')).toThrow(
      /agent\.json: serverTls\.fingerprints: "AB:CD" is not a SHA-256 fingerprint/,
    );
    expect(() => parseLocalConfig('{"serverTls":{"pin":"x"}}')).toThrow(/"serverTls" must be an object/);
    expect(() => parseLocalConfig('{"allowInsecure":"yes"}')).toThrow(
      /"allowInsecure" must be true or false/,
    );
  });
});

describe('plain http and ws', () => {
  it('are allowed to loopback only', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '[::1]']) {
      expect(() => assertSecureServerUrl(`http://${host}:8080`)).not.toThrow();
    }
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(() => assertSecureServerUrl('ws://192.0.2.1:1')).toThrow(
      /refusing unencrypted ws:\/\/192\.0\.2\.1:1/,
    );
    expect(() => assertSecureServerUrl('http://lagebild.stadt.test')).toThrow(/--insecure-dev/);
  });

  it('are allowed anywhere with the development flag, and https always', () => {
    expect(() => assertSecureServerUrl('http://192.0.2.1:1', true)).not.toThrow();
    expect(() => assertSecureServerUrl('https://lagebild.stadt.test')).not.toThrow();
  });
});

describe('enrollment over https with a CA file or a pinned fingerprint', () => {
  let pki: TestPki;
  let server: Server;
  let url: string;
  let requests = 0;

  beforeAll(async () => {
    pki = createTestPki();
    server = createServer({ cert: pki.cert, key: pki.key }, (_req, res) => {
      requests++;
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/enroll`;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    pki?.remove();
  });

  const post = (trust: Parameters<typeof trustedFetch>[0]) =>
    trustedFetch(trust)(url, { method: 'POST', body: '{"secret":"geheim"}' });

  it('reaches a server whose certificate the CA file issued', async () => {
    const res = await post(loadServerTrust({ caFile: pki.caFile }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('refuses a server the CA file did not issue, before the secret is sent', async () => {
    const before = requests;
    const err = await post(loadServerTrust({ caFile: pki.otherCaFile })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerUntrusted);
    expect((err as ServerUntrusted).message).toMatch(/does not verify against the CA file .*other-ca\.pem/);
    expect(requests).toBe(before);
  });

  it('refuses a self-made certificate when nothing is configured (public roots only)', async () => {
    await expect(post(loadServerTrust({}))).rejects.toBeInstanceOf(ServerUntrusted);
  });

  it('reaches a server whose certificate matches a pinned fingerprint, without any CA', async () => {
    const res = await post(loadServerTrust({ fingerprints: [pki.otherFingerprint, pki.fingerprint] }));
    expect(res.status).toBe(200);
  });

  it('refuses a server whose fingerprint is not pinned, naming the fingerprint it saw', async () => {
    const before = requests;
    const err = await post(loadServerTrust({ fingerprints: [pki.otherFingerprint] })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServerUntrusted);
    expect((err as Error).message).toContain(`fingerprint ${pki.fingerprint}, which is not pinned`);
    expect(requests).toBe(before);
  });

  it('needs both when both a pin and a CA file are configured', async () => {
    const both = loadServerTrust({ caFile: pki.otherCaFile, fingerprints: [pki.fingerprint] });
    await expect(post(both)).rejects.toThrow(/does not verify against the CA file/);
  });

  it('fails at start when the CA file cannot be read or holds no certificate', () => {
    expect(() => loadServerTrust({ caFile: `${pki.dir}/missing.pem` })).toThrow(
      /CA file .*missing\.pem cannot be read/,
    );
    expect(() => loadServerTrust({ caFile: `${pki.dir}/server.ext` })).toThrow(/holds no PEM certificate/);
  });

  it('gives up on a peer that accepts the connection but never answers the TLS handshake', async () => {
    const silent = createTcpServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const err = await new Promise<Error | null>((resolve) =>
      trustedConnector({}, 200)({ host: '127.0.0.1', port }, (e) => resolve(e)),
    );
    expect(err?.message).toBe('TLS handshake timed out');
    silent.close();
  });
});
