import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RETENTION, HOUR_MS, type RetentionPolicy } from './store/rollup.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './lagebild-data';
export const DEFAULT_CONNECT_RATE = 200;
export const DEFAULT_CONNECT_BURST = 400;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const USAGE = `Usage: lagebild-server [options]

Runs the Lagebild server. Notebooks enroll and report over WebSocket; the dashboard, the REST API
(/api/v1) and the health check (/healthz) are served on the same port.

Options:
  --port N             TCP port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H             address to listen on (default ${DEFAULT_HOST}, this machine only).
                       Use 0.0.0.0 on a real server so notebooks can reach it.
  --data DIR           data directory (default ${DEFAULT_DATA_DIR}), created if missing; holds the
                       SQLite database lagebild.db and a generated enroll-secret
  --enroll-secret S    secret a notebook needs to enroll; give it twice to accept an old and a new
                       one while rotating. Without it, a secret is generated on first start, saved
                       in DIR/enroll-secret (mode 0600) and printed once. Given secrets are stored
                       (hashed) with the ones from 'secret add'; all active ones are accepted.
  --probes FILE        JSON array of Fachverfahren probe targets, each
                       {"id","app","kind":"http"|"tcp"|"dns","target","intervalSec","timeoutMs"};
                       stored as a new config version when it differs and pushed to agents
  --tls-cert FILE      PEM certificate (chain): serve HTTPS and WSS; needs --tls-key
  --tls-key FILE       PEM private key of --tls-cert
  --pg URL             keep everything in PostgreSQL instead of SQLite, e.g.
                       postgres://lagebild@db.stadt.local/lagebild (password from the URL,
                       PGPASSWORD or ~/.pgpass). Servers started with the same URL and schema
                       are nodes of one installation behind a load balancer: dashboards see
                       every node's agents live and "check now" reaches an agent on any node
                       (LISTEN/NOTIFY). DIR then holds only the generated enroll-secret: give
                       all nodes the same --enroll-secret. Start fails if PostgreSQL does not answer
  --pg-schema NAME     PostgreSQL schema of the tables (default public); nodes must agree on it
  --secure-cookies     mark the dashboard's session cookie Secure although this server speaks plain
                       HTTP: for a reverse proxy that terminates TLS (with --tls-cert it is anyway)
  --connect-rate N     new agent connections accepted per second (default ${DEFAULT_CONNECT_RATE}); more
                       are refused with LB_ERR_SERVER_BUSY and a spread-out retryAfterMs
  --connect-burst N    connections accepted at once above that rate (default ${DEFAULT_CONNECT_BURST})
  --log-level LEVEL    ${LOG_LEVELS.join(', ')} (default info); JSON lines on stderr
  --retain-raw D       keep raw probe samples for D (default 48h); D is a number with m, h or d
                       (90m, 48h, 14d), at least 1h. Expired data is deleted every 10 minutes
  --retain-minutes D   keep per-minute latency rollups for D (default 14d)
  --retain-hours D     keep per-hour latency rollups for D (default 400d)
  --retain-events D    keep device events (VPN, key, online/offline) for D (default 90d)
  -h, --help           show this help and exit
  -v, --version        print the version and exit

Administration (on the data directory; works while the server runs):
  secret add [--label TEXT] --data DIR   create an enrollment secret; printed once, stored hashed
  secret list --data DIR                 list enrollment secrets (id, label, uses, revoked)
  secret revoke ID --data DIR            stop accepting an enrollment secret
  device revoke ID --data DIR            revoke a device's token; history is kept; it must enroll
                                         again with a valid secret

Dashboard users (on the data directory or with --pg URL [--pg-schema NAME]; works while the server runs):
  user add NAME --role ROLE [--password-stdin] --data DIR
                                         create a user; ROLE is admin, servicedesk, viewer or
                                         datenschutz. The password (at least 12 characters) is
                                         read from stdin with --password-stdin, else prompted
  user passwd NAME [--password-stdin] --data DIR
                                         set a new password; the user's sessions end
  user remove NAME --data DIR            remove a user; their sessions end at once
  user list --data DIR                   list users (name, role, created)

Environment (a flag wins over its variable):
  LAGEBILD_PORT, LAGEBILD_HOST, LAGEBILD_DATA, LAGEBILD_ENROLL_SECRET, LAGEBILD_LOG_LEVEL,
  LAGEBILD_PG_URL, LAGEBILD_PG_SCHEMA, LAGEBILD_SECURE_COOKIES=1,
  LAGEBILD_RETAIN_RAW, LAGEBILD_RETAIN_MINUTES, LAGEBILD_RETAIN_HOURS, LAGEBILD_RETAIN_EVENTS

On start it prints one line "Lagebild server listening on http://HOST:PORT" (https with TLS).
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 failed to start, 2 bad options.

Example:
  lagebild-server --host 0.0.0.0 --port 8443 --data /var/lib/lagebild \\
    --tls-cert /etc/lagebild/cert.pem --tls-key /etc/lagebild/key.pem \\
    --probes /etc/lagebild/probes.json
`;

/** A command line that cannot work; the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ServeArgs {
  port: number;
  host: string;
  dataDir: string;
  enrollSecrets: string[];
  probesFile: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  logLevel: LogLevel;
  connectRatePerSec: number;
  connectBurst: number;
  retention: RetentionPolicy;
  /** PostgreSQL instead of SQLite in the data directory */
  pg: { url: string; schema: string | undefined } | undefined;
  /** mark the session cookie Secure although this server speaks plain HTTP (TLS ends at a proxy) */
  secureCookies: true | undefined;
}

export type CliCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; args: ServeArgs };

function parsePort(text: string, source: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${source} must be a port number from 0 to 65535, got "${text}"`);
  }
  return port;
}

function parseCount(text: string | undefined, source: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${source} must be a whole number >= 1, got "${text}"`);
  return n;
}

function parseLevel(text: string, source: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(text)) {
    throw new UsageError(`${source} must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`);
  }
  return text as LogLevel;
}

const DURATION_UNIT_MS: Record<string, number> = { m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS };

/** "90m", "48h", "14d" in milliseconds; at least an hour (shorter would delete data not yet folded). */
export function parseDuration(text: string, source: string): number {
  const m = /^(\d+)([mhd])$/.exec(text.trim());
  const ms = m ? Number(m[1]) * DURATION_UNIT_MS[m[2]!]! : Number.NaN;
  if (!Number.isSafeInteger(ms))
    throw new UsageError(`${source} must be a duration such as 90m, 48h or 14d, got "${text}"`);
  if (ms < HOUR_MS) throw new UsageError(`${source} must be at least 1h, got "${text}"`);
  return ms;
}

const RETAIN_FLAGS = [
  ['rawMs', 'retain-raw', 'LAGEBILD_RETAIN_RAW'],
  ['minuteMs', 'retain-minutes', 'LAGEBILD_RETAIN_MINUTES'],
  ['hourMs', 'retain-hours', 'LAGEBILD_RETAIN_HOURS'],
  ['eventsMs', 'retain-events', 'LAGEBILD_RETAIN_EVENTS'],
] as const;

function parseRetention(values: Record<string, unknown>, env: NodeJS.ProcessEnv): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION };
  for (const [key, flag, variable] of RETAIN_FLAGS) {
    const given = values[flag];
    if (typeof given === 'string') policy[key] = parseDuration(given, `--${flag}`);
    else if (env[variable]) policy[key] = parseDuration(env[variable], variable);
  }
  return policy;
}

export function parsePg(
  values: { pg?: string; 'pg-schema'?: string },
  env: NodeJS.ProcessEnv,
): ServeArgs['pg'] {
  const url = values.pg !== undefined ? nonEmpty(values.pg, '--pg') : env.LAGEBILD_PG_URL || undefined;
  const urlSource = values.pg !== undefined ? '--pg' : 'LAGEBILD_PG_URL';
  const schema =
    values['pg-schema'] !== undefined
      ? nonEmpty(values['pg-schema'], '--pg-schema')
      : env.LAGEBILD_PG_SCHEMA || undefined;
  const schemaSource = values['pg-schema'] !== undefined ? '--pg-schema' : 'LAGEBILD_PG_SCHEMA';
  if (url === undefined) {
    if (schema !== undefined) throw new UsageError(`${schemaSource} needs --pg (or LAGEBILD_PG_URL)`);
    return undefined;
  }
  if (!/^postgres(ql)?:\/\/./.test(url))
    throw new UsageError(`${urlSource} must be a postgres:// or postgresql:// URL, got "${url}"`);
  // the name goes into table and channel names: a plain identifier only
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new UsageError(
      `${schemaSource} must be a lower-case identifier ([a-z_][a-z0-9_]*), got "${schema}"`,
    );
  return { url, schema };
}

function nonEmpty(text: string | undefined, source: string): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') throw new UsageError(`${source} must not be empty`);
  return text;
}

/** Parses the command line and environment; throws UsageError for anything unknown or malformed. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = {}): CliCommand {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const port =
    values.port !== undefined
      ? parsePort(values.port, '--port')
      : env.LAGEBILD_PORT
        ? parsePort(env.LAGEBILD_PORT, 'LAGEBILD_PORT')
        : DEFAULT_PORT;
  const host = nonEmpty(values.host, '--host') ?? (env.LAGEBILD_HOST || DEFAULT_HOST);
  const dataDir = resolve(nonEmpty(values.data, '--data') ?? (env.LAGEBILD_DATA || DEFAULT_DATA_DIR));
  const flagSecrets = (values['enroll-secret'] ?? []).map((s) => nonEmpty(s, '--enroll-secret') as string);
  const enrollSecrets =
    flagSecrets.length > 0 ? flagSecrets : env.LAGEBILD_ENROLL_SECRET ? [env.LAGEBILD_ENROLL_SECRET] : [];
  const logLevel = values['log-level']
    ? parseLevel(values['log-level'], '--log-level')
    : env.LAGEBILD_LOG_LEVEL
      ? parseLevel(env.LAGEBILD_LOG_LEVEL, 'LAGEBILD_LOG_LEVEL')
      : 'info';

  const certFile = nonEmpty(values['tls-cert'], '--tls-cert');
  const keyFile = nonEmpty(values['tls-key'], '--tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError('--tls-cert and --tls-key must be given together');
  }
  const tls = certFile && keyFile ? { certFile: resolve(certFile), keyFile: resolve(keyFile) } : undefined;
  const probesFile = nonEmpty(values.probes, '--probes');

  return {
    kind: 'serve',
    args: {
      port,
      host,
      dataDir,
      enrollSecrets,
      probesFile: probesFile ? resolve(probesFile) : undefined,
      tls,
      logLevel,
      connectRatePerSec: parseCount(values['connect-rate'], '--connect-rate', DEFAULT_CONNECT_RATE),
      connectBurst: parseCount(values['connect-burst'], '--connect-burst', DEFAULT_CONNECT_BURST),
      retention: parseRetention(values, env),
      pg: parsePg(values, env),
      secureCookies: values['secure-cookies'] || env.LAGEBILD_SECURE_COOKIES === '1' ? true : undefined,
    },
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      'enroll-secret': { type: 'string', multiple: true },
      probes: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'log-level': { type: 'string' },
      'connect-rate': { type: 'string' },
      'connect-burst': { type: 'string' },
      pg: { type: 'string' },
      'pg-schema': { type: 'string' },
      'secure-cookies': { type: 'boolean' },
      'retain-raw': { type: 'string' },
      'retain-minutes': { type: 'string' },
      'retain-hours': { type: 'string' },
      'retain-events': { type: 'string' },
    },
  });
}
