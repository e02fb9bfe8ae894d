import { type ClientRequest, request } from 'node:http';
import type { Socket } from 'node:net';
import type { ProbeConfig, ProbeData } from '@lagebild/shared';
import { AGENT_VERSION } from '../version.js';
import { type HostLookup, systemLookup, unbracket } from './probe-resolve.js';
import { ProbeFailure, ProbeRun } from './probe-run.js';
import { type HttpProbeTls, secureContextFor, tlsHandshake } from './probe-tls.js';
import { openTcp } from './tcp-connect.js';

export type { HttpProbeTls } from './probe-tls.js';

/** How much of the body is kept to look for `expectBody`; the rest is read (and timed) but not kept. */
export const BODY_LIMIT = 64 * 1024;

/** What an HTTP(S) probe may be given besides its config. */
export interface HttpProbeOptions {
  /** TLS trust; default Node's bundled root CAs */
  tls?: HttpProbeTls;
  /** name resolution; default the system resolver */
  lookup?: HostLookup;
}

/** Whether a status counts as success: one of `expect`, or by default any 2xx or 3xx (200–399). */
export function statusExpected(status: number, expect?: readonly number[]): boolean {
  return expect && expect.length > 0 ? expect.includes(status) : status >= 200 && status <= 399;
}

/** Whether the kept body holds the text, in UTF-8 or (older Fachverfahren pages) Latin-1. */
export function bodyContains(body: Buffer, text: string): boolean {
  return body.includes(Buffer.from(text, 'utf8')) || body.includes(Buffer.from(text, 'latin1'));
}

interface Answer {
  status: number;
  body: Buffer;
}

/** Sends the GET over the ready connection; marks the first response byte, reads the whole body. */
function exchange(run: ProbeRun, socket: Socket, url: URL): Promise<Answer> {
  let req: ClientRequest | undefined;
  const work = new Promise<Answer>((resolve, reject) => {
    const protocolError = (e: NodeJS.ErrnoException) =>
      reject(new ProbeFailure('protocol', e.message || 'connection closed before a complete answer', e.code));
    const r = request({
      createConnection: () => socket,
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      setHost: false,
      headers: {
        host: url.host,
        'user-agent': `lagebild-agent/${AGENT_VERSION}`,
        accept: '*/*',
        connection: 'close',
      },
    });
    req = r;
    // before the HTTP parser's listener: the parser may finish the whole answer within this chunk
    r.once('socket', (s) => s.prependOnceListener('data', () => run.mark('firstByte')));
    r.once('response', (res) => {
      run.mark('firstByte');
      const status = res.statusCode ?? 0;
      run.status = status;
      const kept: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < BODY_LIMIT) kept.push(chunk.subarray(0, BODY_LIMIT - size));
        size += chunk.length;
      });
      res.once('end', () => resolve({ status, body: Buffer.concat(kept) }));
      res.once('error', protocolError);
      res.once('aborted', () => protocolError(new Error('connection closed in the middle of the answer')));
    });
    r.once('error', protocolError);
    r.end();
  });
  return run.beforeDeadline(work, 'timeout', `no complete answer from ${url.host}`, () => req?.destroy());
}

/**
 * HTTP(S) GET over a new connection every time, timed as cumulative milestones from the start like
 * curl: dnsMs (name resolved; absent for an IP address), connectMs (TCP connected), tlsMs (handshake
 * done), ttfbMs (first response byte), totalMs (body complete). Redirects are not followed. The status
 * must be in `expectStatus` (default 200–399) and the first 64 KiB of the body must hold
 * `expectBody`, if set. `certExpiresAt` comes from the server's certificate even when it is rejected.
 */
export async function httpProbe(probe: ProbeConfig, options: HttpProbeOptions = {}): Promise<ProbeData> {
  let url: URL | undefined;
  try {
    url = new URL(probe.target);
  } catch {
    url = undefined;
  }
  const secure = url?.protocol === 'https:';
  // built before the clock starts: loading the trust store is not part of the handshake
  const context = secure ? secureContextFor(options.tls) : undefined;
  const run = new ProbeRun(probe);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return run.finish('other', `invalid URL: ${probe.target} (http:// or https:// expected)`);
  const host = unbracket(url.hostname);
  const port = Number(url.port) || (secure ? 443 : 80);
  let tcp: Socket | undefined;
  let conn: Socket | undefined;
  try {
    tcp = await openTcp(run, host, port, options.lookup ?? systemLookup);
    conn = context ? await tlsHandshake(run, tcp, host, context) : tcp;
    const { status, body } = await exchange(run, conn, url);
    if (!statusExpected(status, probe.expectStatus)) {
      const wanted = probe.expectStatus?.length ? probe.expectStatus.join(', ') : '200–399';
      return run.finish('http-status', `HTTP ${status}, expected ${wanted}`);
    }
    if (probe.expectBody !== undefined && !bodyContains(body, probe.expectBody)) {
      return run.finish(
        'body-mismatch',
        `the first ${BODY_LIMIT / 1024} KiB of the answer lack the expected text`,
      );
    }
    return run.finish(null);
  } catch (e) {
    return run.fail(e);
  } finally {
    conn?.destroy();
    tcp?.destroy();
  }
}
