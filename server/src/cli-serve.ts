import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeConfig } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { type ServeArgs, UsageError } from './cli-args.js';
import { checkPostgres } from './cluster/pg-reachable.js';
import { decodeProbeList } from './probe-config/validate.js';

export const DB_FILE = 'lagebild.db';
export const SECRET_FILE = 'enroll-secret';

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The enrollment secrets to accept: the given ones, else the one kept in DIR/enroll-secret (made on first start). */
export function enrollSecrets(dataDir: string, given: string[], io: Output): string[] {
  if (given.length > 0) return given;
  const file = join(dataDir, SECRET_FILE);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret === '') throw new UsageError(`${file} is empty: delete it or pass --enroll-secret`);
    io.out(`Lagebild enrollment secret: from ${file}`);
    return [secret];
  }
  const secret = randomBytes(24).toString('base64url');
  // wx: never overwrite a secret another process just wrote; 0600: only the service account may read it
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  io.out(`Lagebild enrollment secret (new, saved in ${file}): ${secret}`);
  return [secret];
}

/** Reads and validates the --probes file; every problem is a UsageError naming the file. */
export function readProbes(file: string): ProbeConfig[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--probes ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--probes ${file}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return decodeProbeList(value);
  } catch (e) {
    throw new UsageError(`--probes ${file}: ${(e as Error).message}`);
  }
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The URL people type: IPv6 addresses in brackets. */
export function listenUrl(tls: boolean, host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${h}:${port}`;
}

/** Prepares the data directory, builds the app, listens and prints the one "listening" line. */
export async function serve(args: ServeArgs, io: Output): Promise<FastifyInstance> {
  const probes = args.probesFile ? readProbes(args.probesFile) : undefined;
  const tls = args.tls
    ? { cert: readPem(args.tls.certFile, '--tls-cert'), key: readPem(args.tls.keyFile, '--tls-key') }
    : undefined;
  try {
    mkdirSync(args.dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new UsageError(
      `--data ${args.dataDir}: cannot create it (${(e as NodeJS.ErrnoException).code ?? e})`,
    );
  }
  // before anything is built: a stopped database or a wrong URL is one clear line, not a stack trace
  if (args.pg) await checkPostgres(args.pg.url);
  const secrets = enrollSecrets(args.dataDir, args.enrollSecrets, io);
  if (!tls && !isLoopback(args.host)) {
    io.err(
      'lagebild-server: warning: serving plain HTTP on a network address; device tokens travel unencrypted. ' +
        'Use --tls-cert/--tls-key or a TLS reverse proxy.',
    );
  }
  const app = await buildApp({
    dbPath: join(args.dataDir, DB_FILE),
    pg: args.pg,
    enrollSecrets: secrets,
    probes,
    tls,
    logger: { level: args.logLevel, stream: process.stderr },
    connectRatePerSec: args.connectRatePerSec,
    connectBurst: args.connectBurst,
    retention: args.retention,
    secureCookies: args.secureCookies,
  });
  try {
    await app.listen({ host: args.host, port: args.port });
  } catch (e) {
    await app.close();
    throw e;
  }
  const address = app.server.address();
  const port = address && typeof address === 'object' ? address.port : args.port;
  io.out(`Lagebild server listening on ${listenUrl(Boolean(tls), args.host, port)}`);
  // the dashboard needs a sign-in; say how to create the first user rather than leave a login page nobody passes
  if ((await app.store.listUsers()).length === 0)
    io.out("No dashboard users yet: create one with 'lagebild-server user add NAME --role admin'");
  return app;
}
