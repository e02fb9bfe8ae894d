import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import {
  createSecureContext,
  rootCertificates,
  type SecureContext,
  type TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import type { ProbeErrorClass } from '@lagebild/shared';
import { ProbeFailure, type ProbeRun } from './probe-run.js';

/** TLS trust for HTTPS probes. */
export interface HttpProbeTls {
  /** the CA certificates (PEM) to trust instead of Node's bundled roots; see loadProbeTls */
  ca?: string | Buffer | Array<string | Buffer>;
}

const contexts = new WeakMap<HttpProbeTls, SecureContext>();
let defaultContext: SecureContext | undefined;

/**
 * The secure context for a trust setting, built once: building it parses every CA certificate, which
 * takes milliseconds and must not be counted as TLS handshake time.
 */
export function secureContextFor(tls?: HttpProbeTls): SecureContext {
  if (!tls?.ca) {
    defaultContext ??= createSecureContext();
    return defaultContext;
  }
  let ctx = contexts.get(tls);
  if (!ctx) {
    ctx = createSecureContext({ ca: tls.ca });
    contexts.set(tls, ctx);
  }
  return ctx;
}

/**
 * Trust for HTTPS probes from the agent config: Node's bundled root CAs plus the PEM file's
 * certificates (a city-internal CA). Without a file: the bundled roots alone.
 */
export function loadProbeTls(caFile?: string): HttpProbeTls {
  if (!caFile) return {};
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (e) {
    throw new Error(`tls.caFile: cannot read ${caFile}: ${(e as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`tls.caFile: ${caFile} holds no PEM certificate`);
  return { ca: [...rootCertificates, pem] };
}

/**
 * Why a handshake's certificate was not accepted: `cert-expired` when it (or a CA above it) has
 * expired, otherwise `cert-invalid` (not trusted, wrong host name, not yet valid, revoked, ...).
 */
export function certErrorClass(code: string, expiresAt?: number, now = Date.now()): ProbeErrorClass {
  if (code === 'CERT_HAS_EXPIRED' || (expiresAt !== undefined && expiresAt < now)) return 'cert-expired';
  return 'cert-invalid';
}

/**
 * TLS handshake over a connected socket; marks the `tls` milestone and reads the certificate's expiry
 * whether or not it is accepted. Verification happens here rather than inside OpenSSL's handshake so
 * that a rejected certificate still tells its expiry; nothing is sent over an unaccepted connection.
 */
export function tlsHandshake(
  run: ProbeRun,
  socket: Socket,
  host: string,
  context: SecureContext,
): Promise<TLSSocket> {
  let t: TLSSocket | undefined;
  const work = new Promise<TLSSocket>((resolve, reject) => {
    const s = tlsConnect({
      socket,
      host,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      secureContext: context,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    t = s;
    const onError = (e: NodeJS.ErrnoException) => {
      s.destroy();
      reject(new ProbeFailure('tls', `TLS handshake failed: ${e.message}`, e.code));
    };
    s.once('error', onError);
    s.once('secureConnect', () => {
      run.mark('tls');
      const expires = Date.parse(s.getPeerCertificate()?.valid_to ?? '');
      if (Number.isFinite(expires)) run.certExpiresAt = expires;
      s.removeListener('error', onError);
      s.on('error', () => {}); // later errors reach the HTTP layer
      if (!s.authorized) {
        const code = String(s.authorizationError ?? 'UNKNOWN');
        s.destroy();
        reject(
          new ProbeFailure(
            certErrorClass(code, run.certExpiresAt),
            `certificate not accepted: ${code}`,
            code,
          ),
        );
        return;
      }
      resolve(s);
    });
  });
  return run.beforeDeadline(work, 'timeout', `no TLS handshake with ${host}`, () => t?.destroy());
}
