import { parseArgs } from 'node:util';
import { startFleet } from './fleet.js';

const HELP = `lagebild-sim: a simulated fleet of notebooks reporting to a Lagebild server

Usage:
  lagebild-sim --server URL --enroll-secret S [--devices N] [options]

Options:
  --server URL            server base URL, e.g. http://127.0.0.1:8080 (env LAGEBILD_SERVER)
  --enroll-secret S       enrollment secret (env LAGEBILD_ENROLL_SECRET)
  --devices N             number of simulated notebooks (default 200)
  --seed N                seed of every random choice; same seed, same fleet (default 1)
  --speed N               time compression: probes every 60 s / N (default 1)
  --concurrency N         devices enrolling/connecting at once (default 50)
  --local-addresses LIST  comma-separated source addresses (127.0.0.2,127.0.0.3,...) for large fleets
  --slow-app ID           the Fachverfahren that is slow behind the slow gateway (default bauportal)
  --slow-gateway HOST     the gateway it is slow behind (default the second gateway)
  --progress SEC          seconds between progress lines, 0 for none (default 5)
  --quiet                 no log lines, only progress
  -h, --help              show this help

Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
`;

function int(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: 'string' },
      'enroll-secret': { type: 'string' },
      devices: { type: 'string' },
      seed: { type: 'string' },
      speed: { type: 'string' },
      concurrency: { type: 'string' },
      'local-addresses': { type: 'string' },
      'slow-app': { type: 'string' },
      'slow-gateway': { type: 'string' },
      progress: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const serverUrl = values.server ?? process.env.LAGEBILD_SERVER;
  const enrollSecret = values['enroll-secret'] ?? process.env.LAGEBILD_ENROLL_SECRET;
  if (!serverUrl || !enrollSecret) throw new Error('--server and --enroll-secret are required (see --help)');
  const speed = Number(values.speed ?? 1);
  if (!(speed > 0)) throw new Error(`--speed must be greater than 0, got ${values.speed}`);
  const devices = int('devices', values.devices, 200);
  const progressSec = int('progress', values.progress, 5, 0);
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const started = Date.now();
  log(`lagebild-sim: starting ${devices} devices against ${serverUrl} (speed ${speed})`);
  const fleet = await startFleet({
    serverUrl,
    enrollSecret,
    devices,
    seed: int('seed', values.seed, 1, 0),
    speed,
    connectConcurrency: int('concurrency', values.concurrency, 50),
    localAddresses: values['local-addresses']
      ?.split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    slowApp: values['slow-app'],
    slowGateway: values['slow-gateway'],
    onLog: values.quiet ? undefined : log,
  });
  log(`lagebild-sim: ${devices} devices connected in ${Date.now() - started} ms`);

  let lastSent = 0;
  let lastAt = Date.now();
  const progress =
    progressSec > 0
      ? setInterval(() => {
          const s = fleet.stats();
          const now = Date.now();
          const rate = ((s.sent - lastSent) * 1000) / (now - lastAt);
          lastSent = s.sent;
          lastAt = now;
          process.stdout.write(
            `connected ${s.connected}/${s.devices}, ${rate.toFixed(1)} obs/s, acked ${s.acked}, pending ${s.pending}, errors ${s.errors}, reconnects ${s.reconnects}\n`,
          );
        }, progressSec * 1000)
      : null;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log('lagebild-sim: second signal, exiting at once');
      process.exit(130);
    }
    stopping = true;
    if (progress) clearInterval(progress);
    log(`lagebild-sim: ${signal}, stopping`);
    fleet.stop().then(
      () => {
        const s = fleet.stats();
        log(`lagebild-sim: stopped; ${s.sent} observations sent, ${s.acked} acknowledged`);
        process.exit(0);
      },
      (e: unknown) => {
        log(`lagebild-sim: stop failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`lagebild-sim: ${(e as Error).message}\n`);
  process.exit(1);
});
