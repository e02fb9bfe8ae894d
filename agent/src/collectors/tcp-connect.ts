import { connect, type Socket } from 'node:net';
import type { ProbeConfig, ProbeErrorClass } from '@lagebild/shared';
import { type HostLookup, type ResolvedAddress, resolveHost, systemLookup } from './probe-resolve.js';
import { ProbeFailure, ProbeRun } from './probe-run.js';

/** Result of one TCP connect attempt. */
export interface TcpConnectResult {
  ok: boolean;
  /** name resolution time, when a name had to be resolved */
  dnsMs?: number;
  /** TCP handshake time (after resolution) */
  connectMs?: number;
  totalMs: number;
  /** Node error code (ECONNREFUSED, ENOTFOUND, ...) or TIMEOUT */
  code?: string;
  message?: string;
  /** the probe error class of a failure */
  errorClass?: ProbeErrorClass;
  /** IP version of the connection */
  ipVersion?: 4 | 6;
}

/** Splits "host:port" (also "[v6]:port"); null when the port is missing or invalid. */
export function parseHostPort(target: string): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(target.trim()) ?? /^([^:]+):(\d+)$/.exec(target.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: m[1]!, port };
}

function connectErrorClass(code: string | undefined): ProbeErrorClass {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'connect-timeout'; // the kernel gave up retrying the SYN
  return 'connect';
}

/**
 * Opens a fresh TCP connection to an address within the probe's time budget and marks the `connect`
 * milestone the moment the handshake completes. The caller owns (and must destroy) the socket.
 */
export function connectTcp(run: ProbeRun, to: ResolvedAddress, port: number): Promise<Socket> {
  let socket: Socket | undefined;
  const work = new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: to.address, port, family: to.family, noDelay: true });
    socket = s;
    const onError = (e: NodeJS.ErrnoException) => {
      s.destroy();
      reject(new ProbeFailure(connectErrorClass(e.code), e.message, e.code));
    };
    s.once('error', onError);
    s.once('connect', () => {
      run.mark('connect');
      run.ipVersion = to.family;
      s.removeListener('error', onError);
      // later errors reach the layer above (TLS, HTTP); this keeps a stray one from crashing the agent
      s.on('error', () => {});
      resolve(s);
    });
  });
  const where = to.family === 6 ? `[${to.address}]:${port}` : `${to.address}:${port}`;
  return run.beforeDeadline(work, 'connect-timeout', `no TCP connection to ${where}`, () =>
    socket?.destroy(),
  );
}

/** Resolves `host` (unless it is an address) and connects to its first address: the dns and connect steps. */
export async function openTcp(
  run: ProbeRun,
  host: string,
  port: number,
  lookup: HostLookup,
): Promise<Socket> {
  const to = await resolveHost(run, host, lookup);
  return connectTcp(run, to, port);
}

/**
 * Opens one TCP connection and closes it again, timing name resolution and the handshake
 * (used for the VPN gateway check; `connectMs` here is the handshake alone, not a milestone).
 */
export async function tcpConnect(
  host: string,
  port: number,
  timeoutMs: number,
  lookup: HostLookup = systemLookup,
): Promise<TcpConnectResult> {
  const config: ProbeConfig = {
    id: 'tcp-connect',
    app: 'tcp-connect',
    kind: 'tcp',
    target: `${host}:${port}`,
    intervalSec: 60,
    timeoutMs,
  };
  const run = new ProbeRun(config);
  let result: TcpConnectResult;
  try {
    (await openTcp(run, host, port, lookup)).destroy();
    const { phases, ipVersion } = run.finish(null);
    result = { ok: true, totalMs: phases.totalMs, connectMs: phases.connectMs! - (phases.dnsMs ?? 0) };
    if (ipVersion !== undefined) result.ipVersion = ipVersion;
    if (phases.dnsMs !== undefined) result.dnsMs = phases.dnsMs;
  } catch (e) {
    const { phases, errorClass, errorMessage } = run.fail(e);
    const timedOut = errorClass === 'connect-timeout' || errorClass === 'dns-timeout';
    const code = timedOut ? 'TIMEOUT' : e instanceof ProbeFailure ? e.code : undefined;
    result = { ok: false, totalMs: phases.totalMs, code: code ?? 'ERROR', message: errorMessage ?? '' };
    if (errorClass) result.errorClass = errorClass;
    if (phases.dnsMs !== undefined) result.dnsMs = phases.dnsMs;
  }
  return result;
}
