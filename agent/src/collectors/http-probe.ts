import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import type { ProbeConfig, ProbeData, ProbeErrorClass, ProbePhases } from '@lagebild/shared';

/** TLS trust for HTTPS probes, e.g. the city's internal CA. */
export interface HttpProbeTls {
  ca?: string | Buffer | Array<string | Buffer>;
  rejectUnauthorized?: boolean;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const CONNECT_CODES = new Set([
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
]);
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** Maps a Node network error to the protocol's error class; `stage` is how far the request got. */
export function classifyError(
  e: NodeJS.ErrnoException,
  stage: 'start' | 'resolved' | 'connected' | 'secured',
  https: boolean,
): ProbeErrorClass {
  const code = e.code ?? '';
  if (DNS_CODES.has(code)) return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (TLS_CODES.test(code) || (https && stage === 'connected')) return 'tls';
  if (CONNECT_CODES.has(code) || stage === 'start' || stage === 'resolved') return 'connect';
  if (code.startsWith('HPE_') || code === 'ECONNRESET') return 'protocol';
  return 'other';
}

const ms = (v: number) => Math.min(86_400_000, Math.max(0, Math.round(v * 10) / 10));

/**
 * Runs one HTTP(S) GET with a fresh connection and times its phases as cumulative milestones from the
 * start, as curl does: dnsMs (name resolved), connectMs (TCP connected), tlsMs (TLS handshake done),
 * ttfbMs (first response byte), totalMs (body complete). A status >= 400 counts as failure (`http-status`).
 */
export function httpProbe(probe: ProbeConfig, tls: HttpProbeTls = {}): Promise<ProbeData> {
  const base = {
    kind: 'probe',
    probeId: probe.id,
    app: probe.app,
    probeKind: 'http',
    target: probe.target,
  } as const;
  const t0 = performance.now();
  let url: URL;
  try {
    url = new URL(probe.target);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`unsupported scheme ${url.protocol}`);
  } catch (e) {
    const message = `invalid URL: ${(e as Error).message}`.slice(0, 512);
    return Promise.resolve({
      ...base,
      ok: false,
      errorClass: 'other',
      errorMessage: message,
      phases: { totalMs: 0 },
    });
  }
  const secure = url.protocol === 'https:';
  return new Promise((resolve) => {
    const marks: { lookup?: number; connect?: number; secure?: number; ready?: number; firstByte?: number } =
      {};
    let stage: 'start' | 'resolved' | 'connected' | 'secured' = 'start';
    let certExpiresAt: number | undefined;
    let done = false;

    const phases = (): ProbePhases => {
      const p: ProbePhases = { totalMs: ms(performance.now() - t0) };
      if (marks.lookup !== undefined) p.dnsMs = ms(marks.lookup - t0);
      if (marks.connect !== undefined) p.connectMs = ms(marks.connect - t0);
      if (marks.secure !== undefined) p.tlsMs = ms(marks.secure - t0);
      if (marks.firstByte !== undefined) p.ttfbMs = ms(marks.firstByte - t0);
      return p;
    };
    const finish = (r: Pick<ProbeData, 'ok' | 'errorClass'> & Partial<ProbeData>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const data: ProbeData = { ...base, ...r, phases: phases() };
      if (certExpiresAt !== undefined) data.certExpiresAt = certExpiresAt;
      resolve(data);
    };

    const options: https.RequestOptions = {
      method: 'GET',
      agent: false, // a fresh connection each time, so DNS, TCP and TLS are measured every run
      headers: { 'user-agent': 'lagebild-agent', accept: '*/*', connection: 'close' },
      ...(secure ? { ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized ?? true } : {}),
    };
    const req = (secure ? https : http).request(url, options, (res) => {
      marks.firstByte = performance.now();
      const status = res.statusCode ?? 0;
      res.resume();
      res.once('end', () => {
        if (status >= 400) {
          finish({ ok: false, errorClass: 'http-status', status, errorMessage: `HTTP ${status}` });
        } else {
          finish({ ok: true, errorClass: null, status });
        }
      });
      res.on('error', (e: NodeJS.ErrnoException) =>
        finish({ ok: false, errorClass: 'protocol', status, errorMessage: e.message.slice(0, 512) }),
      );
    });
    const timer = setTimeout(() => {
      finish({
        ok: false,
        errorClass: 'timeout',
        errorMessage: `no complete answer within ${probe.timeoutMs} ms`,
      });
      req.destroy();
    }, probe.timeoutMs);
    req.once('socket', (socket: Socket) => {
      socket.once('lookup', () => {
        marks.lookup = performance.now();
        stage = 'resolved';
      });
      socket.once('connect', () => {
        marks.connect = performance.now();
        stage = 'connected';
        if (!secure) marks.ready = marks.connect;
      });
      socket.once('secureConnect', () => {
        marks.secure = performance.now();
        marks.ready = marks.secure;
        stage = 'secured';
        const validTo = (socket as TLSSocket).getPeerCertificate?.()?.valid_to;
        const expires = validTo ? Date.parse(validTo) : Number.NaN;
        if (Number.isFinite(expires)) certExpiresAt = expires;
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const errorClass = classifyError(e, stage, secure);
      finish({ ok: false, errorClass, errorMessage: (e.message || e.code || 'error').slice(0, 512) });
    });
    req.end();
  });
}
