import { parseArgs } from 'node:util';
import { isLagebildError } from '@lagebild/shared';
import { type RunningAgent, startAgent } from './agent.js';
import { messageOf } from './collector.js';
import { type LocalConfig, loadLocalConfig } from './config.js';
import { createLogger, isLogLevel, LOG_LEVELS, type Logger } from './log.js';
import { ReplayFormatError } from './replay-format.js';
import { snapshotCommand } from './snapshot-command.js';
import {
  assertSecureServerUrl,
  isLoopbackHost,
  parseFingerprints,
  type ServerTlsConfig,
} from './tls-trust.js';
import { AGENT_VERSION } from './version.js';

/** Where the CLI writes and how it waits for a stop signal; tests pass their own. */
export interface CliIo {
  out(text: string): Promise<void>;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** resolves on SIGINT/SIGTERM */
  stopSignal(): Promise<string>;
}

export const USAGE = `lagebild-agent ${AGENT_VERSION}: measures VPN tunnel, security keys, Fachverfahren and device health

Usage:
  lagebild-agent run --server URL --state-dir DIR [--enroll-secret S] [--config FILE] [--log-level LEVEL]
                     [--ca-file FILE] [--server-fingerprint SHA256[,SHA256]] [--insecure-dev]
  lagebild-agent snapshot [--json] [--config FILE] [--record FILE | --replay FILE]
  lagebild-agent --help | --version

Commands:
  run        measure continuously and report to the Lagebild server (keeps measuring while offline)
  snapshot   measure once and print the result (German summary, or JSON with --json)

Options:
  --server URL          server address, e.g. https://lagebild.stadt.de   (env LAGEBILD_SERVER)
  --enroll-secret S     enrollment secret, needed on the first start      (env LAGEBILD_ENROLL_SECRET)
  --state-dir DIR       credentials, sequence numbers, outbox, last config (env LAGEBILD_STATE_DIR)
  --ca-file FILE        PEM file of the CA that issued the server certificate; trusted instead of
                        the public roots                                  (env LAGEBILD_CA_FILE)
  --server-fingerprint L
                        pin the server certificate: SHA-256 fingerprint(s), hex with or without
                        colons, comma-separated during a rotation; the chain then need not be
                        trusted (with --ca-file it must be too)   (env LAGEBILD_SERVER_FINGERPRINT)
  --insecure-dev        development only: allow http:// to a host that is not loopback
  --config FILE         JSON file: server, enrollSecret, stateDir, serverTls {caFile, fingerprints},
                        allowInsecure, probes, intervals, vpn {checkTarget, gateway, interface,
                        vendor}, tls {caFile} (CA for probes), spool {maxBytes, maxAgeDays},
                        site, orgUnit (where the notebook belongs; the server groups statistics
                        by them) (see agent/README.md)
  --log-level LEVEL     ${LOG_LEVELS.join(', ')} (default info); log lines go to stderr
  --json                snapshot: print one JSON object {capabilities, observations}
  --record FILE         snapshot: also write the raw inputs of this machine (lagebild-raw/1, no SSIDs
                        or user names) for a replay elsewhere
  --replay FILE         snapshot: compute the observations from a recording instead of this machine
  -h, --help            show this help
  -v, --version         print the version

Flags win over environment variables, which win over the config file.
Exit codes: 0 done, 1 failed, 2 wrong usage.
`;

class UsageError extends Error {}

const RUN_OPTIONS = {
  server: { type: 'string' },
  'enroll-secret': { type: 'string' },
  'state-dir': { type: 'string' },
  config: { type: 'string' },
  'log-level': { type: 'string' },
  'ca-file': { type: 'string' },
  'server-fingerprint': { type: 'string' },
  'insecure-dev': { type: 'boolean' },
} as const;
const SNAPSHOT_OPTIONS = {
  json: { type: 'boolean' },
  config: { type: 'string' },
  record: { type: 'string' },
  replay: { type: 'string' },
} as const;

function parse<T extends typeof RUN_OPTIONS | typeof SNAPSHOT_OPTIONS>(
  command: string,
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError(`${command}: ${messageOf(e)}`);
  }
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      await io.out(USAGE);
      return 0;
    }
    if (command === '-v' || command === '--version') {
      await io.out(`${AGENT_VERSION}\n`);
      return 0;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      await io.out(USAGE);
      return 0;
    }
    if (command === 'run') return await run(parse('run', rest, RUN_OPTIONS), io);
    if (command === 'snapshot') return await snapshot(parse('snapshot', rest, SNAPSHOT_OPTIONS), io);
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ReplayFormatError) {
      io.err(`lagebild-agent: ${e.message}\nTry 'lagebild-agent --help'.\n`);
      return 2;
    }
    io.err(`lagebild-agent: ${isLagebildError(e) ? `${e.code}: ` : ''}${messageOf(e)}\n`);
    return 1;
  }
}

function readConfig(path: string | undefined): LocalConfig {
  if (!path) return {};
  try {
    return loadLocalConfig(path);
  } catch (e) {
    throw new UsageError(messageOf(e));
  }
}

async function run(flags: ReturnType<typeof parse<typeof RUN_OPTIONS>>, io: CliIo): Promise<number> {
  const file = readConfig(flags.config);
  const server = flags.server ?? io.env.LAGEBILD_SERVER ?? file.server;
  const stateDir = flags['state-dir'] ?? io.env.LAGEBILD_STATE_DIR ?? file.stateDir;
  const enrollSecret = flags['enroll-secret'] ?? io.env.LAGEBILD_ENROLL_SECRET ?? file.enrollSecret;
  const level = flags['log-level'] ?? 'info';
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  if (!server) throw new UsageError('run needs --server URL (or LAGEBILD_SERVER)');
  if (!stateDir) throw new UsageError('run needs --state-dir DIR (or LAGEBILD_STATE_DIR)');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server is not a URL: ${server}`);
  }
  const serverTls = serverTlsOf(flags, io.env, file);
  const allowInsecure = flags['insecure-dev'] === true || file.allowInsecure === true;
  // refused on the URL alone: no connection is tried
  assertSecureServerUrl(server, allowInsecure);
  const log: Logger = createLogger(level, io.err);
  if ((url.protocol === 'http:' || url.protocol === 'ws:') && !isLoopbackHost(url.hostname)) {
    log.warn(
      `${url.origin} is not encrypted (--insecure-dev): device tokens and measurements travel in clear text`,
    );
  }
  log.info(`lagebild-agent ${AGENT_VERSION} starting: server ${url.origin}, state in ${stateDir}`);
  const agent: RunningAgent = await startAgent({
    serverUrl: server,
    stateDir,
    enrollSecret,
    local: file,
    serverTls,
    allowInsecure,
    log,
  });
  const signal = await io.stopSignal();
  log.info(`${signal} received: sending what is left and stopping`);
  await agent.stop();
  log.info('stopped');
  return 0;
}

/** Server trust: each of CA file and fingerprints from flag, else environment, else config file. */
function serverTlsOf(
  flags: ReturnType<typeof parse<typeof RUN_OPTIONS>>,
  env: CliIo['env'],
  file: LocalConfig,
): ServerTlsConfig {
  const caFile = flags['ca-file'] ?? env.LAGEBILD_CA_FILE ?? file.serverTls?.caFile;
  const pins = flags['server-fingerprint'] ?? env.LAGEBILD_SERVER_FINGERPRINT;
  let fingerprints = file.serverTls?.fingerprints;
  if (pins !== undefined) {
    try {
      fingerprints = parseFingerprints(pins);
    } catch (e) {
      throw new UsageError(`--server-fingerprint: ${messageOf(e)}`);
    }
  }
  return { ...(caFile ? { caFile } : {}), ...(fingerprints ? { fingerprints } : {}) };
}

async function snapshot(
  flags: ReturnType<typeof parse<typeof SNAPSHOT_OPTIONS>>,
  io: CliIo,
): Promise<number> {
  if (flags.replay && (flags.record || flags.config)) {
    throw new UsageError(
      '--replay takes neither --record nor --config: the recording holds its configuration',
    );
  }
  const config = readConfig(flags.config);
  return snapshotCommand(
    { json: flags.json === true, config, record: flags.record, replay: flags.replay },
    io,
  );
}
