import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

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
}

/** Splits "host:port" (also "[v6]:port"); null when the port is missing or invalid. */
export function parseHostPort(target: string): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(target.trim()) ?? /^([^:]+):(\d+)$/.exec(target.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: m[1]!, port };
}

/** Opens one TCP connection and closes it again, timing name resolution and the handshake. */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<TcpConnectResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let tLookup: number | undefined;
    const socket = connect({ host, port });
    const finish = (r: Omit<TcpConnectResult, 'totalMs' | 'dnsMs'>) => {
      clearTimeout(timer);
      socket.destroy();
      const out: TcpConnectResult = { ...r, totalMs: performance.now() - t0 };
      if (tLookup !== undefined) out.dnsMs = tLookup - t0;
      resolve(out);
    };
    const timer = setTimeout(
      () => finish({ ok: false, code: 'TIMEOUT', message: `no connection within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('lookup', () => {
      tLookup = performance.now();
    });
    socket.once('connect', () => finish({ ok: true, connectMs: performance.now() - (tLookup ?? t0) }));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      finish({ ok: false, code: e.code ?? 'ERROR', message: e.message }),
    );
  });
}
