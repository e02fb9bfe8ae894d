import { lookup as dnsLookup, Resolver } from 'node:dns/promises';
import { type IncomingMessage, request } from 'node:http';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { ProbeConfig, ProbeData, ProbeErrorClass, ProbePhases } from '@lagebild/shared';
import { SERVER_VERSION } from '../version.js';

/**
 * One probe run from the server, for the settings page's "test this target" button. The agent has the
 * full probe (its own trust store, resolver options, routes); the server may not import it, so this is
 * a small version with the same phases (DNS, connect, TLS, first byte) and error classes. It answers
 * how the target looks *from the server*, which the page says.
 */

/** No preview runs longer than this, whatever the probe's own timeout says. */
export const PREVIEW_MAX_MS = 10_000;
const BODY_LIMIT = 64 * 1024;

type Phase = 'dns' | 'connect' | 'tls' | 'http';

class Failure extends Error {
  constructor(
    readonly errorClass: ProbeErrorClass,
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_CLASS: Record<Phase, ProbeErrorClass> = {
  dns: 'dns-timeout',
  connect: 'connect-timeout',
  tls: 'timeout',
  http: 'timeout',
};

const EXPIRED = new Set(['CERT_HAS_EXPIRED']);
const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** The error class of a Node error in a phase (ECONNREFUSED → refused, ENOTFOUND → dns, ...). */
function classify(phase: Phase, e: NodeJS.ErrnoException): ProbeErrorClass {
  const code = e.code ?? '';
  if (phase === 'dns') return code === 'ETIMEOUT' ? 'dns-timeout' : 'dns';
  if (phase === 'connect') return code === 'ECONNREFUSED' ? 'refused' : 'connect';
  if (phase === 'tls')
    return EXPIRED.has(code) ? 'cert-expired' : CERT_CODES.has(code) ? 'cert-invalid' : 'tls';
  return 'protocol';
}

/** Runs `probe` once from the server; never throws, a failure is a result with its error class. */
export async function previewProbe(probe: ProbeConfig, maxMs: number = PREVIEW_MAX_MS): Promise<ProbeData> {
  const t0 = performance.now();
  const marks: Partial<Record<'dns' | 'connect' | 'tls' | 'firstByte', number>> = {};
  const mark = (m: keyof typeof marks) => {
    marks[m] ??= performance.now() - t0;
  };
  const extra: { status?: number; certExpiresAt?: number; ipVersion?: 4 | 6 } = {};
  const sockets: Socket[] = [];
  let phase: Phase = 'dns';
  let timer: NodeJS.Timeout | undefined;
  const budget = Math.min(probe.timeoutMs, maxMs);
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Failure(TIMEOUT_CLASS[phase], `no answer within ${budget} ms (${phase})`)),
      budget,
    );
  });

  const finish = (errorClass: ProbeErrorClass | null, message?: string): ProbeData => {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    const round = (v: number) => Math.round(v * 10) / 10;
    const phases: ProbePhases = { totalMs: round(performance.now() - t0) };
    if (marks.dns !== undefined) phases.dnsMs = round(marks.dns);
    if (marks.connect !== undefined) phases.connectMs = round(marks.connect);
    if (marks.tls !== undefined) phases.tlsMs = round(marks.tls);
    if (marks.firstByte !== undefined) phases.ttfbMs = round(marks.firstByte);
    const data: ProbeData = {
      kind: 'probe',
      probeId: probe.id,
      app: probe.app,
      probeKind: probe.kind,
      target: probe.target,
      ok: errorClass === null,
      errorClass,
      phases,
      ...extra,
    };
    if (message) data.errorMessage = message.slice(0, 512);
    return data;
  };

  const step = async <T>(p: Phase, work: Promise<T>): Promise<T> => {
    phase = p;
    try {
      return await Promise.race([work, deadline]);
    } catch (e) {
      if (e instanceof Failure) throw e;
      const err = e as NodeJS.ErrnoException;
      throw new Failure(classify(p, err), err.message || String(e));
    }
  };

  const resolve = async (host: string): Promise<string> => {
    if (isIP(host)) {
      extra.ipVersion = isIP(host) === 6 ? 6 : 4;
      return host;
    }
    const found = await step('dns', dnsLookup(host, { family: probe.ipVersion ?? 0 }));
    mark('dns');
    extra.ipVersion = found.family === 6 ? 6 : 4;
    return found.address;
  };

  const open = (address: string, port: number): Promise<Socket> => {
    const socket = tcpConnect({ host: address, port });
    sockets.push(socket);
    return step(
      'connect',
      new Promise<Socket>((ok, fail) => {
        socket.once('connect', () => {
          mark('connect');
          ok(socket);
        });
        socket.once('error', fail);
      }),
    );
  };

  try {
    deadline.catch(() => {});
    if (probe.kind === 'dns') {
      await previewDns(probe.target, step);
      mark('dns');
      return finish(null);
    }
    if (probe.kind === 'tcp') {
      const { host, port } = hostPort(probe.target);
      await open(await resolve(host), port);
      return finish(null);
    }

    let url: URL;
    try {
      url = new URL(probe.target);
    } catch {
      return finish('other', `not a URL: ${probe.target}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return finish('other', `${url.protocol} is not http: or https:`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const secure = url.protocol === 'https:';
    let socket = await open(await resolve(host), Number(url.port) || (secure ? 443 : 80));
    if (secure) socket = await handshake(socket, host, step, sockets, extra, () => mark('tls'));
    const answer = await step(
      'http',
      exchange(socket, url, () => mark('firstByte')),
    );
    extra.status = answer.status;
    const expected = probe.expectStatus?.length
      ? probe.expectStatus.includes(answer.status)
      : answer.status >= 200 && answer.status <= 399;
    if (!expected)
      return finish(
        'http-status',
        `HTTP ${answer.status}, expected ${probe.expectStatus?.join(', ') || '200–399'}`,
      );
    if (probe.expectBody !== undefined && !answer.body.includes(Buffer.from(probe.expectBody)))
      return finish('body-mismatch', 'the first 64 KiB of the answer lack the expected text');
    return finish(null);
  } catch (e) {
    if (e instanceof Failure) return finish(e.errorClass, e.message);
    return finish('other', (e as Error).message);
  }
}

type Step = <T>(p: Phase, work: Promise<T>) => Promise<T>;

/** `host:port` or `[v6]:port`. */
function hostPort(target: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(target.trim());
  const port = Number(m?.[2]);
  if (!m || !(port >= 1 && port <= 65535)) throw new Failure('other', `not host:port: ${target}`);
  return { host: m[1]!, port };
}

async function previewDns(target: string, step: Step): Promise<void> {
  if (!target.startsWith('dns://')) {
    await step('dns', dnsLookup(target));
    return;
  }
  // dns://server[:port]/name asks that server
  const url = new URL(target);
  const resolver = new Resolver({ timeout: PREVIEW_MAX_MS, tries: 1 });
  resolver.setServers([url.port ? `${url.hostname}:${url.port}` : url.hostname]);
  await step('dns', resolver.resolve(url.pathname.replace(/^\//, '')));
}

function handshake(
  socket: Socket,
  host: string,
  step: Step,
  sockets: Socket[],
  extra: { certExpiresAt?: number },
  done: () => void,
): Promise<TLSSocket> {
  const tls = tlsConnect({ socket, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] });
  sockets.push(tls);
  return step(
    'tls',
    new Promise<TLSSocket>((ok, fail) => {
      const noteCert = () => {
        const validTo = tls.getPeerCertificate()?.valid_to;
        if (validTo) extra.certExpiresAt = Date.parse(validTo);
      };
      tls.once('secureConnect', () => {
        done();
        noteCert();
        ok(tls);
      });
      tls.once('error', (e) => {
        noteCert();
        fail(e);
      });
    }),
  );
}

/** GET over the open connection; resolves with the status and the first 64 KiB of the body. */
function exchange(
  socket: Socket,
  url: URL,
  firstByte: () => void,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({
      createConnection: () => socket,
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      setHost: false,
      headers: {
        host: url.host,
        'user-agent': `lagebild-server/${SERVER_VERSION} (preview)`,
        accept: '*/*',
        connection: 'close',
      },
    });
    socket.prependOnceListener('data', firstByte);
    req.once('response', (res: IncomingMessage) => {
      firstByte();
      const kept: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < BODY_LIMIT) kept.push(chunk.subarray(0, BODY_LIMIT - size));
        size += chunk.length;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(kept) }));
      res.once('error', reject);
      res.once('aborted', () => reject(new Error('connection closed in the middle of the answer')));
    });
    req.once('error', reject);
    req.end();
  });
}
