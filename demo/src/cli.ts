import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDemo } from './demo.js';

const HELP = `lagebild-demo — server, dashboard, a real local agent and a simulated fleet

Usage: pnpm demo [options]        (or: npm run demo -- [options])

Options:
  --port N       port of server and dashboard (default 8080; 0 picks a free one)
  --host H       address to listen on (default 127.0.0.1)
  --devices N    simulated notebooks besides the local agent (default 200)
  --data DIR     database, agent state and logs (default ./.lagebild-demo)
  --speed N      time compression of the simulated fleet (default 3: probes every 10 s)
  --no-agent     do not start the real agent on this machine
  -h, --help     show this help

Sign in to the dashboard as admin, servicedesk, viewer or datenschutz (one user per role),
password lagebild-demo. Ctrl-C stops everything.`;

function fail(message: string): never {
  console.error(`lagebild-demo: ${message}\nTry 'lagebild-demo --help'.`);
  process.exit(2);
}

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      devices: { type: 'string' },
      data: { type: 'string' },
      speed: { type: 'string' },
      'no-agent': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
}
try {
  args = parse();
} catch (e) {
  fail((e as Error).message);
}

if (args.values.help) {
  console.log(HELP);
  process.exit(0);
}

const v = args.values;
const started = Date.now();
console.log('Lagebild demo is starting …');
const demo = await startDemo({
  port: int('port', v.port, 8080, 0, 65535),
  host: v.host ?? '127.0.0.1',
  devices: int('devices', v.devices, 200, 0, 100_000),
  speed: int('speed', v.speed, 3, 1, 600),
  dataDir: resolve(v.data ?? '.lagebild-demo'),
  agent: !v['no-agent'],
  log: (line) => console.log(`  ${line}`),
}).catch((e: NodeJS.ErrnoException) => {
  if (e.code === 'EADDRINUSE') fail(`port ${v.port ?? 8080} is in use; choose another with --port`);
  console.error(`lagebild-demo: ${e.stack ?? e.message}`);
  process.exit(1);
});

console.log(`Lagebild dashboard: ${demo.url}`);
console.log(
  `  sign in as ${Object.values(demo.credentials.users).join(', ')} — password: ${demo.credentials.password}`,
);
console.log(`  started in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C stops the demo`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nLagebild demo is stopping …');
    demo.stop().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (e: Error) => {
        console.error(e.message);
        process.exit(1);
      },
    );
  });
}
