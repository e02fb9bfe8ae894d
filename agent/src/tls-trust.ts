import { readFileSync } from 'node:fs';
import { isIP, type Socket } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';

/** How the agent trusts its server: `serverTls` in the config file, `--ca-file` / `--server-fingerprint`. */
export interface ServerTlsConfig {
  /** PEM file of the CA(s) that issued the server certificate; trusted instead of the bundled roots */
  caFile?: string;
  /** SHA-256 fingerprints of the server certificate (hex, colons optional); any one must match */
  fingerprints?: string[];
}

/** The resolved trust: CA certificates (PEM text) and normalized fingerprints. */
export interface ServerTrust {
  ca?: string;
  caFile?: string;
  fingerprints?: string[];
}

/**
 * The server was reached but its certificate is not the one this agent trusts. Local to the agent
 * (nothing crossed the wire): `code` mirrors the catalogue style for logs and tests.
 */
export class ServerUntrusted extends Error {
  override readonly name = 'ServerUntrusted';
  readonly code = 'LB_ERR_TLS_UNTRUSTED';
}

/** A plain http:// or ws:// server URL to a host that is not loopback, without the development flag. */
export class InsecureServerUrl extends Error {
  override readonly name = 'InsecureServerUrl';
  readonly code = 'LB_ERR_TLS_REQUIRED';
}

/** "AB:CD:…" (64 hex digits, upper case, colons) from hex with or without colons; throws when malformed. */
export function normalizeFingerprint(text: string): string {
  // also takes openssl's whole line "sha256 Fingerprint=AB:CD:…"
  const hex = text
    .trim()
    .replace(/^sha-?256(\s+fingerprint)?\s*[:=]\s*/i, '')
    .replace(/:/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex))
    throw new Error(
      `"${text.trim()}" is not a SHA-256 fingerprint (64 hex digits, colons optional; see openssl x509 -noout -fingerprint -sha256)`,
    );
  return hex.match(/../g)!.join(':');
}

/** A comma-separated list of fingerprints (or an array of them), normalized; rotation pins old and new. */
export function parseFingerprints(list: string | string[]): string[] {
  const parts = (Array.isArray(list) ? list : [list]).flatMap((s) => s.split(','));
  const fingerprints = parts.filter((s) => s.trim() !== '').map(normalizeFingerprint);
  if (fingerprints.length === 0) throw new Error('no SHA-256 fingerprint given');
  return [...new Set(fingerprints)];
}

/** Reads the CA file and checks the fingerprints once at start, so a typo fails loudly before measuring. */
export function loadServerTrust(config: ServerTlsConfig = {}): ServerTrust {
  const trust: ServerTrust = {};
  if (config.caFile) {
    let pem: string;
    try {
      pem = readFileSync(config.caFile, 'utf8');
    } catch (e) {
      throw new Error(`CA file ${config.caFile} cannot be read: ${(e as Error).message}`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----'))
      throw new Error(`CA file ${config.caFile} holds no PEM certificate`);
    trust.ca = pem;
    trust.caFile = config.caFile;
  }
  if (config.fingerprints && config.fingerprints.length > 0)
    trust.fingerprints = parseFingerprints(config.fingerprints);
  return trust;
}

/** True for localhost, 127.0.0.0/8 and ::1: the only hosts plain http/ws may go to without the dev flag. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  if (/^::ffff:127\./.test(h)) return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * Refuses an unencrypted server URL unless it points to loopback or `allowInsecure` is set. Runs on
 * the URL alone, before any connection is attempted.
 */
export function assertSecureServerUrl(serverUrl: string, allowInsecure = false): void {
  const url = new URL(serverUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'ws:') return;
  if (allowInsecure || isLoopbackHost(url.hostname)) return;
  throw new InsecureServerUrl(
    `refusing unencrypted ${url.protocol}//${url.host}: device token and measurements would travel in clear text. ` +
      'Use https:// (verified with --ca-file or --server-fingerprint); plain http:// is allowed only to loopback ' +
      'or with --insecure-dev (config "allowInsecure": true) for development',
  );
}

/** Says in words why a certificate was refused, from OpenSSL's verify code. */
function describeVerifyError(code: string, trust: ServerTrust): string {
  const against = trust.caFile ? `the CA file ${trust.caFile}` : "Node's bundled public root CAs";
  switch (code) {
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'the certificate does not name this host (subjectAltName); check the server URL or the certificate SANs';
    case 'CERT_HAS_EXPIRED':
      return 'the certificate has expired';
    case 'CERT_NOT_YET_VALID':
      return 'the certificate is not valid yet (check the clock)';
    default:
      return `the certificate chain does not verify against ${against} (${code})`;
  }
}

/**
 * Checks a finished handshake before any byte of HTTP or WebSocket goes out: a pinned fingerprint
 * must match the leaf exactly (the chain then need not verify unless a CA file is set too); otherwise
 * the chain must verify against the CA file or the bundled roots, and the name must match.
 */
export function verifyServerSocket(socket: TLSSocket, trust: ServerTrust): ServerUntrusted | undefined {
  const host = `${(socket as Socket & { servername?: string }).servername || socket.remoteAddress}`;
  const cert = socket.getPeerCertificate();
  if (trust.fingerprints) {
    const seen = cert?.fingerprint256;
    if (!seen || !trust.fingerprints.includes(seen.toUpperCase()))
      return new ServerUntrusted(
        `server certificate of ${host} has SHA-256 fingerprint ${seen ?? '(none)'}, which is not pinned ` +
          `(pinned: ${trust.fingerprints.join(', ')})`,
      );
    if (!trust.ca) return undefined;
  }
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'unknown');
    return new ServerUntrusted(
      `server certificate of ${host} is not trusted: ${describeVerifyError(code, trust)}`,
    );
  }
  return undefined;
}

type ConnectCallback = (err: Error | null, socket?: TLSSocket) => void;

/**
 * A `createConnection` for https.request and ws: the request is handed the socket only after
 * `verifyServerSocket` accepted it, so hello, token and enrollment secret never reach an untrusted peer.
 */
export function trustedConnector(trust: ServerTrust, handshakeTimeoutMs = 15_000) {
  return (opts: ConnectionOptions & { host?: string; hostname?: string }, cb: ConnectCallback): undefined => {
    const host = (opts.hostname ?? opts.host ?? 'localhost').replace(/^\[|\]$/g, '');
    // `path` is the HTTP path here; left in, tls.connect would take it for a Unix socket
    const {
      path: _path,
      socketPath: _socketPath,
      ...rest
    } = opts as ConnectionOptions & {
      path?: string;
      socketPath?: string;
    };
    const socket = tlsConnect({
      ...rest,
      host,
      servername: isIP(host) ? undefined : host,
      ca: trust.ca ?? opts.ca,
      // checked by verifyServerSocket so that pinning, CA and host name are decided in one place
      rejectUnauthorized: false,
    });
    // the request only gets the socket after the handshake, so its own timeouts cannot end a silent peer
    const timer = setTimeout(() => socket.destroy(new Error('TLS handshake timed out')), handshakeTimeoutMs);
    timer.unref();
    const fail = (e: Error) => {
      clearTimeout(timer);
      socket.off('secureConnect', onSecure);
      cb(e);
    };
    const onSecure = () => {
      clearTimeout(timer);
      socket.off('error', fail);
      const untrusted = verifyServerSocket(socket, trust);
      if (untrusted) {
        socket.destroy();
        cb(untrusted);
      } else cb(null, socket);
    };
    socket.once('error', fail);
    socket.once('secureConnect', onSecure);
    return undefined;
  };
}
