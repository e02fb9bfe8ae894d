import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, createUser, ROLES, type Role } from '@lagebild/server';
import { type Fleet, startFleet } from '@lagebild/sim';
import { type RunningFachverfahren, startFachverfahren } from './fachverfahren.js';

export interface DemoOptions {
  /** port of server and dashboard; 0 picks a free one */
  port?: number;
  host?: string;
  /** simulated notebooks besides the real local agent */
  devices?: number;
  /** where the SQLite database, agent state and logs go */
  dataDir: string;
  /** time compression of the simulated fleet (1 = real intervals) */
  speed?: number;
  /** run the real agent on this machine as a separate process */
  agent?: boolean;
  log?: (line: string) => void;
}

/** One user per role, all with the same password (a demo, not an installation). */
export const DEMO_PASSWORD = 'lagebild-demo';

export interface DemoCredentials {
  password: string;
  /** user name per role; the names are the roles' names */
  users: Record<Role, string>;
}

export interface Demo {
  url: string;
  port: number;
  fleet: Fleet;
  enrollSecret: string;
  /** the dashboard logins the demo created */
  credentials: DemoCredentials;
  stop(): Promise<void>;
}

const agentBin = fileURLToPath(new URL('../../agent/bin/lagebild-agent.js', import.meta.url));

/** Starts server + dashboard, local Fachverfahren stand-ins, the real agent and the simulated fleet. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dataDir, { recursive: true });
  const enrollSecret = `demo-${randomBytes(12).toString('hex')}`;
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((e) => log(`stop: ${(e as Error).message}`));
    cleanups.length = 0;
  };

  try {
    const fach: RunningFachverfahren = await startFachverfahren();
    cleanups.push(() => fach.close());
    log(`Fachverfahren stand-ins: ${fach.probes.map((p) => p.app).join(', ')}`);

    const app = await buildApp({
      dbPath: join(options.dataDir, 'lagebild.db'),
      enrollSecrets: [enrollSecret],
      probes: fach.probes,
      intervals: { healthSec: 30, vpnSec: 2, securityKeySec: 1 },
      logger: false,
    });
    cleanups.push(() => app.close());
    const credentials = await createDemoUsers(app.store);
    log(`Dashboard users ${ROLES.join(', ')}: password ${credentials.password}`);
    await app.listen({ port: options.port ?? 8080, host });
    const port = (app.server.address() as AddressInfo).port;
    const url = `http://${host}:${port}/`;
    const serverUrl = `http://${host}:${port}`;

    if (options.agent !== false) {
      const child = startLocalAgent(serverUrl, enrollSecret, options.dataDir);
      cleanups.push(() => stopChild(child));
      log(`Local agent: pid ${child.pid}, log ${join(options.dataDir, 'agent.log')}`);
    }

    const devices = options.devices ?? 200;
    let lastProgress = 0;
    const fleet = await startFleet({
      serverUrl,
      enrollSecret,
      devices,
      speed: options.speed ?? 3,
      // a big fleet is let in at the server's admission rate: the demo goes on with whoever is in
      waitForAll: false,
      onProgress: (connected, total) => {
        // the line after the start says how many are in
        if (connected === total || Date.now() - lastProgress < 5000) return;
        lastProgress = Date.now();
        log(
          `Simulated fleet: ${connected.toLocaleString('en')} of ${total.toLocaleString('en')} notebooks connected`,
        );
      },
      onLog: (line) => log(`sim: ${line}`),
    });
    cleanups.push(() => fleet.stop());
    const connected = fleet.devices.filter((d) => d.connected).length;
    log(
      connected === devices
        ? `Simulated fleet: ${devices} notebooks connected`
        : `Simulated fleet: ${connected} of ${devices} notebooks connected; the rest keep trying`,
    );

    return { url, port, fleet, enrollSecret, credentials, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Creates the users admin, servicedesk, viewer and datenschutz unless a previous run did. */
async function createDemoUsers(store: Parameters<typeof createUser>[0]): Promise<DemoCredentials> {
  const users = {} as Record<Role, string>;
  for (const role of ROLES) {
    users[role] = role;
    if (await store.userByName(role)) continue;
    await createUser(store, { name: role, role, password: DEMO_PASSWORD, now: Date.now() });
  }
  return { password: DEMO_PASSWORD, users };
}

function startLocalAgent(serverUrl: string, secret: string, dataDir: string): ChildProcess {
  const logFile = createWriteStream(join(dataDir, 'agent.log'), { flags: 'a' });
  const child = spawn(
    process.execPath,
    [
      agentBin,
      'run',
      '--server',
      serverUrl,
      '--enroll-secret',
      secret,
      '--state-dir',
      join(dataDir, 'agent'),
      // the demo is plain http; with --host 0.0.0.0 or a LAN address that is not loopback
      '--insecure-dev',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(logFile, { end: false });
  child.stderr?.pipe(logFile, { end: false });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
