// Real local servers for probe tests: a test PKI made with the openssl CLI, a tiny DNS server, servers
// that stall in chosen phases. Everything listens on loopback, port 0.
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeConfig } from '@lagebild/shared';

/** A probe config with test defaults. */
export const probeConfig = (kind: ProbeConfig['kind'], target: string, extra: Partial<ProbeConfig> = {}) =>
  ({
    id: `fv-${kind}`,
    app: 'Testverfahren',
    kind,
    target,
    intervalSec: 60,
    timeoutMs: 3000,
    ...extra,
  }) as ProbeConfig;

/** Listens on host, port 0 (or the given port) and returns the port. */
export function listen(server: Server | HttpServer, host = '127.0.0.1', port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

// the open connections of plain TCP servers (http servers track their own)
const openSockets = new WeakMap<Server | HttpServer, Set<Socket>>();
function tracked(server: Server): Server {
  const set = new Set<Socket>();
  openSockets.set(server, set);
  server.on('connection', (s: Socket) => {
    set.add(s);
    s.once('close', () => set.delete(s));
  });
  return server;
}

/** Closes a server and every connection it still holds. */
export function close(server: Server | HttpServer): Promise<void> {
  (server as HttpServer).closeAllConnections?.();
  for (const s of openSockets.get(server) ?? []) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on (just released). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const s = createNetServer();
  const port = await listen(s, host);
  await close(s);
  return port;
}

/** Whether this machine has an IPv6 loopback (::1) to listen on. */
export async function hasIpv6Loopback(): Promise<boolean> {
  const s = createNetServer();
  try {
    await listen(s, '::1');
    await close(s);
    return true;
  } catch {
    return false;
  }
}

/** Certificates of the test PKI, as PEM text. */
export interface TestPki {
  ca: string;
  /** valid 30 days, for 127.0.0.1, ::1, localhost and fachverfahren.test */
  good: { key: string; cert: string };
  /** valid 2020-01-01 to 2020-02-01 */
  expired: { key: string; cert: string };
  /** valid from 2099 */
  notYetValid: { key: string; cert: string };
  /** valid, but only for other.example */
  wrongHost: { key: string; cert: string };
  /** the CA certificate as a file, for tls.caFile */
  caFile: string;
  remove(): void;
}

const SAN_LOCAL = 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:fachverfahren.test';

/** Makes a CA and leaf certificates (P-256 keys: quick to make and to handshake) with the openssl CLI. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'lagebild-pki-'));
  const cnf = join(dir, 'openssl.cnf');
  writeFileSync(
    cnf,
    [
      '[ req ]',
      'distinguished_name = dn',
      'prompt = no',
      '[ dn ]',
      'CN = unused',
      '[ ca_ext ]',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '[ leaf_ext ]',
      'basicConstraints = CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      '[ ca ]',
      'default_ca = testca',
      '[ testca ]',
      `database = ${join(dir, 'index.txt')}`,
      `new_certs_dir = ${dir}`,
      `certificate = ${join(dir, 'ca.pem')}`,
      `private_key = ${join(dir, 'ca.key')}`,
      `serial = ${join(dir, 'serial')}`,
      'default_md = sha256',
      'policy = any',
      'copy_extensions = copy',
      'unique_subject = no',
      '[ any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    ['req', '-config', cnf, '-x509', ...ec, '-days', '3650', '-subj', '/CN=Lagebild Test CA'].concat([
      '-extensions',
      'ca_ext',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ]),
  );
  const leaf = (name: string, san: string, dates: string[]) => {
    openssl(
      ['req', '-config', cnf, '-new', ...ec, '-subj', `/CN=${name}`, '-addext', san].concat([
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
      ]),
    );
    openssl(
      ['ca', '-config', cnf, '-batch', '-notext', '-extensions', 'leaf_ext', ...dates].concat([
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.pem`,
      ]),
    );
    return {
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
      cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    };
  };
  return {
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    caFile: join(dir, 'ca.pem'),
    good: leaf('good', SAN_LOCAL, ['-days', '30']),
    expired: leaf('expired', SAN_LOCAL, ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z']),
    notYetValid: leaf('future', SAN_LOCAL, ['-startdate', '20990101000000Z', '-enddate', '20991231000000Z']),
    wrongHost: leaf('wronghost', 'subjectAltName=DNS:other.example', ['-days', '30']),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Records a test DNS server answers: A and AAAA addresses per name (lower case, no trailing dot). */
export type DnsZone = Record<string, { a?: string[]; aaaa?: string[] }>;

/** A DNS server on UDP 127.0.0.1; "silent" ones never answer. `queries` lists "name TYPE" as asked. */
export interface TestDns {
  server: string;
  queries: string[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** Builds the answer to one DNS query (RFC 1035): NXDOMAIN for unknown names, else the zone's records. */
function answer(query: Buffer, zone: DnsZone, seen: string[]): Buffer | null {
  if (query.length < 17) return null;
  const labels: string[] = [];
  let i = 12;
  while (i < query.length && query[i] !== 0) {
    const len = query[i]!;
    labels.push(query.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += len + 1;
  }
  const questionEnd = i + 5;
  const qtype = query.readUInt16BE(i + 1);
  const name = labels.join('.').toLowerCase();
  seen.push(`${name} ${qtype === TYPE_A ? 'A' : qtype === TYPE_AAAA ? 'AAAA' : qtype}`);
  const entry = zone[name];
  const addresses = !entry
    ? []
    : qtype === TYPE_A
      ? (entry.a ?? [])
      : qtype === TYPE_AAAA
        ? (entry.aaaa ?? [])
        : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(entry ? 0x8180 : 0x8183, 2); // response, recursion available; rcode 3 = NXDOMAIN
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const records = addresses.map((address) => {
    const rdata = qtype === TYPE_A ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4); // class IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...records]);
}

/** Starts a DNS server for the zone; a silent one receives queries and never answers. */
export function startDns(zone: DnsZone, { silent = false } = {}): Promise<TestDns> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, from) => {
    const reply = answer(msg, zone, queries);
    if (reply && !silent) socket.send(reply, from.port, from.address);
  });
  return new Promise((resolve) =>
    socket.bind(0, '127.0.0.1', () =>
      resolve({
        server: `127.0.0.1:${socket.address().port}`,
        queries,
        close: () => new Promise((r) => socket.close(() => r())),
      }),
    ),
  );
}

/** Hands each connection to `target` only after `delayMs`, unread: the TLS server answers the ClientHello late. */
export function delayedHandoff(target: Server | HttpServer, delayMs: number): Server {
  return tracked(
    createNetServer({ pauseOnConnect: true }, (socket) => {
      const timer = setTimeout(() => target.emit('connection', socket), delayMs);
      socket.once('close', () => clearTimeout(timer));
    }),
  );
}

/** A TCP relay to 127.0.0.1:port that holds the client's first bytes for `delayMs` before forwarding. */
export function delayingRelay(port: number, delayMs: number): Server {
  const relay = createNetServer((client: Socket) => {
    const backend = netConnect(port, '127.0.0.1');
    client.once('data', (first) => {
      client.pause();
      setTimeout(() => {
        backend.write(first);
        client.pipe(backend);
        client.resume();
      }, delayMs);
    });
    backend.pipe(client);
    const end = () => {
      client.destroy();
      backend.destroy();
    };
    client.on('error', end).on('close', end);
    backend.on('error', end).on('close', end);
  });
  return tracked(relay);
}

/**
 * A listener in another process that never accepts, with a full accept queue: the kernel drops further
 * SYNs, so a connect attempt hangs as behind a firewall that drops packets.
 */
export async function blackholePort(): Promise<{ port: number; stop(): void }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         process.stdout.write(s.address().port + '\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
         process.exit(0);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // writes to a pipe are synchronous on Linux: once the port arrives, the child is blocked and accepts nothing
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d) => resolve(Number(d))));
  // two connections fill the accept queue of a backlog-1 listener
  const fillers = [netConnect(port, '127.0.0.1'), netConnect(port, '127.0.0.1')];
  for (const f of fillers) {
    f.on('error', () => {});
    await new Promise((r) => f.once('connect', r));
  }
  return {
    port,
    stop: () => {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL');
    },
  };
}
