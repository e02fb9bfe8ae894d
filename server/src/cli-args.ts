import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

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
  --connect-rate N     new agent connections accepted per second (default ${DEFAULT_CONNECT_RATE}); more
                       are refused with LB_ERR_SERVER_BUSY and a spread-out retryAfterMs
  --connect-burst N    connections accepted at once above that rate (default ${DEFAULT_CONNECT_BURST})
  --log-level LEVEL    ${LOG_LEVELS.join(', ')} (default info); JSON lines on stderr
  -h, --help           show this help and exit
  -v, --version        print the version and exit

Administration (on the data directory; works while the server runs):
  secret add [--label TEXT] --data DIR   create an enrollment secret; printed once, stored hashed
  secret list --data DIR                 list enrollment secrets (id, label, uses, revoked)
  secret revoke ID --data DIR            stop accepting an enrollment secret
  device revoke ID --data DIR            revoke a device's token; history is kept; it must enroll
                                         again with a valid secret

Environment (a flag wins over its variable):
  LAGEBILD_PORT, LAGEBILD_HOST, LAGEBILD_DATA, LAGEBILD_ENROLL_SECRET, LAGEBILD_LOG_LEVEL

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
    },
  });
}
