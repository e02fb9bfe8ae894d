import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Observation } from '@lagebild/shared';
import { createUser } from '../../server/src/auth/users.js';
import { SqliteStore } from '../../server/src/store/sqlite-store.js';
import { repoRoot } from '../helpers/process.js';
import { sessionCookieOf, TEST_PASSWORD } from '../helpers/session.js';

/*
 * Helpers of the netns tests: programs inside network namespaces, the agent's spool read from outside,
 * the server's database read-only. The WireGuard lab itself is built by wireguard-lab.ts.
 */

/** Runs a command to completion; throws with its stderr when it fails. */
export function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.trim() || r.error?.message || r.status}`);
  }
  return r.stdout.trim();
}

/** Runs a command inside a namespace to completion. */
export const inNs = (ns: string, cmd: string, ...args: string[]) =>
  run('ip', ['netns', 'exec', ns, cmd, ...args]);

export interface Background {
  name: string;
  child: ChildProcess;
  output: () => string;
}

/** Long-running programs of one test run, so that clean-up finds every one of them. */
export class Processes {
  readonly all: Background[] = [];

  /** Starts a program inside a namespace (`ip netns exec` execs it: the pid is the program's). */
  start(ns: string, name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Background {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (d: unknown) => {
      out += String(d);
      // a chatty process must not grow the test's memory without bound
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const p = { name, child, output: () => out };
    this.all.push(p);
    return p;
  }

  /** The tail of every program's output, for failure messages. */
  logs(): string {
    return this.all.map((p) => `--- ${p.name}:\n${p.output().slice(-2500)}`).join('\n');
  }

  /** Stops every program still running, last started first. */
  async stopAll(): Promise<void> {
    for (const p of [...this.all].reverse()) await stop(p);
  }
}

/** Stops a program: `signal` first, SIGKILL after 5 s; returns how it ended ("code 0", "SIGKILL"). */
export async function stop(p: Background, signal: NodeJS.Signals = 'SIGTERM'): Promise<string> {
  const c = p.child;
  const ended = () => (c.signalCode !== null ? c.signalCode : `code ${c.exitCode}`);
  if (c.exitCode !== null || c.signalCode !== null) return ended();
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill(signal);
  const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  return ended();
}

/** Polls `fn` every 100 ms until it returns a value. */
export async function until<T>(fn: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A GET from inside a namespace (the test process lives in the host namespace and cannot reach it). */
export function getJson<T>(ns: string, url: string, cookie = ''): T {
  const text = inNs(
    ns,
    process.execPath,
    '-e',
    `fetch(${JSON.stringify(url)}, { headers: { cookie: ${JSON.stringify(cookie)} } }).then(async (r) => { if (!r.ok) { console.error(r.status, await r.text()); process.exit(1); } process.stdout.write(await r.text()); })`,
  );
  return JSON.parse(text) as T;
}

/** A PUT of JSON from inside a namespace. */
export function putJson(ns: string, url: string, body: unknown, cookie = ''): void {
  inNs(
    ns,
    process.execPath,
    '-e',
    `fetch(${JSON.stringify(url)}, { method: 'PUT', headers: { 'content-type': 'application/json', cookie: ${JSON.stringify(cookie)} }, body: ${JSON.stringify(JSON.stringify(body))} })
      .then(async (r) => { if (!r.ok) { console.error(r.status, await r.text()); process.exit(1); } })`,
  );
}

/** The acknowledged seq the agent keeps in `<state>/spool/ack` (0 before the first ack). */
export function spoolAck(stateDir: string): number {
  const file = join(stateDir, 'spool', 'ack');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
}

/**
 * Every observation in the agent's spool, read without touching it (the agent may be writing): records
 * are u32 length, u32 CRC32, JSON (agent/src/spool-record.ts); an incomplete record at the end of the
 * newest segment is one the agent is still writing and ends that file.
 */
export function readSpool(stateDir: string): Observation[] {
  const dir = join(stateDir, 'spool');
  if (!existsSync(dir)) return [];
  const out: Observation[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.seg'))
    .sort()) {
    let buf: Buffer;
    try {
      buf = readFileSync(join(dir, name));
    } catch {
      continue; // acknowledged and deleted between listing and reading
    }
    for (let off = 0; off + 8 <= buf.length; ) {
      const size = buf.readUInt32LE(off);
      if (off + 8 + size > buf.length) break;
      try {
        out.push(JSON.parse(buf.subarray(off + 8, off + 8 + size).toString('utf8')) as Observation);
      } catch {
        break;
      }
      off += 8 + size;
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** The few better-sqlite3 calls the test needs. */
export interface ReadOnlyDb {
  prepare(sql: string): { get(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
  close(): void;
}

/** Opens the server's SQLite database read-only (better-sqlite3 is the server's dependency). */
export function openReadOnly(file: string): ReadOnlyDb {
  const require = createRequire(join(repoRoot, 'server', 'package.json'));
  const Database = require('better-sqlite3') as new (
    f: string,
    o: { readonly: boolean; fileMustExist: boolean },
  ) => ReadOnlyDb;
  return new Database(file, { readonly: true, fileMustExist: true });
}

/**
 * Creates the user `admin` in a running server's data directory (SQLite WAL allows it) and signs in
 * from inside the namespace; returns the Cookie header value for getJson / putJson.
 */
export async function signInNs(ns: string, serverUrl: string, serverDataDir: string): Promise<string> {
  const store = new SqliteStore(join(serverDataDir, 'lagebild.db'));
  try {
    if (!(await store.userByName('admin')))
      await createUser(store, { name: 'admin', role: 'admin', password: TEST_PASSWORD, now: Date.now() });
  } finally {
    await store.close();
  }
  const body = JSON.stringify({ name: 'admin', password: TEST_PASSWORD });
  const setCookie = inNs(
    ns,
    process.execPath,
    '-e',
    `fetch(${JSON.stringify(`${serverUrl}/api/v1/auth/login`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body)} })
      .then(async (r) => { if (r.status !== 200) { console.error(r.status, await r.text()); process.exit(1); } process.stdout.write(r.headers.getSetCookie().join('\\n')); })`,
  );
  return sessionCookieOf(setCookie);
}
