import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInHttp } from './test-support/auth.js';
import { freshSchema, requirePg } from './test-support/pg.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const bin = join(serverDir, 'bin', 'lagebild-server.js');

/** Newest modification time of the TypeScript sources under `dir` that go into dist/ (tests do not). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'test-support') newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The CLI runs from dist/: build shared and server when dist is missing or older than the sources. */
function ensureBuilt(): void {
  const packages = [
    { dir: join(serverDir, '..', 'shared'), out: 'dist/index.js' },
    { dir: serverDir, out: 'dist/cli.js' },
  ];
  for (const { dir, out } of packages) {
    const built = join(dir, out);
    if (existsSync(built) && statSync(built).mtimeMs >= newestSource(join(dir, 'src'))) continue;
    execFileSync(
      process.execPath,
      [join(serverDir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: dir,
        stdio: 'inherit',
      },
    );
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH, ...env } });
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the server and resolves with the URL from its "listening" line. */
function start(
  args: string[],
  cwd: string,
): Promise<{ child: ChildProcess; url: string; stdout: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^Lagebild server listening on (\S+)$/m.exec(stdout);
      if (m?.[1]) resolve({ child, url: m[1], stdout: () => stdout });
    });
    child.on('close', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

describe('lagebild-server CLI', () => {
  let cwd: string;
  beforeAll(() => {
    ensureBuilt();
    cwd = mkdtempSync(join(tmpdir(), 'lagebild-cli-'));
  }, 120_000);
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('explains every flag with --help and exits 0', async () => {
    const r = await run(['--help'], cwd);
    expect(r.code).toBe(0);
    for (const flag of [
      '--port',
      '--host',
      '--data',
      '--enroll-secret',
      '--probes',
      '--tls-cert',
      '--tls-key',
      '--log-level',
      '--version',
      'LAGEBILD_PORT',
      '0.0.0.0',
      'Example',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('prints its version', async () => {
    const r = await run(['--version'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 with a message for an unknown flag or a bad value', async () => {
    const unknown = await run(['--portt', '80'], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--portt'");
    const badEnv = await run([], cwd, { LAGEBILD_PORT: 'eighty' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('LAGEBILD_PORT');
  });

  it('exits 2 naming the problem when the probes file is not a valid probe list', async () => {
    const file = join(cwd, 'probes.json');
    writeFileSync(
      file,
      JSON.stringify([{ id: 'gis', app: 'GIS', kind: 'ftp', target: 'x', intervalSec: 60, timeoutMs: 1000 }]),
    );
    const r = await run(['--probes', file, '--data', join(cwd, 'unused')], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('probes[0].kind');
    expect(existsSync(join(cwd, 'unused'))).toBe(false);
  });

  it('creates the data directory and a private enrollment secret, serves, and stops cleanly on SIGTERM', async () => {
    const data = join(cwd, 'data');
    const probes = join(cwd, 'good-probes.json');
    writeFileSync(
      probes,
      JSON.stringify([
        { id: 'gis', app: 'GIS', kind: 'tcp', target: 'gis:443', intervalSec: 60, timeoutMs: 1000 },
      ]),
    );
    const server = await start(
      ['--port', '0', '--data', data, '--probes', probes, '--log-level', 'warn'],
      cwd,
    );
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const secret = readFileSync(join(data, 'enroll-secret'), 'utf8').trim();
    expect(statSync(join(data, 'enroll-secret')).mode & 0o777).toBe(0o600);
    expect(server.stdout()).toContain(secret);
    expect(server.stdout().match(/listening on/g)).toHaveLength(1);
    expect(existsSync(join(data, 'lagebild.db'))).toBe(true);

    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok' });
    const password = 'kdz-admin-passwort';
    expect(
      (
        await run(
          ['user', 'add', 'kdz', '--role', 'admin', '--password-stdin', '--data', data],
          cwd,
          {},
          `${password}\n`,
        )
      ).code,
    ).toBe(0);
    const cookie = await signInHttp(server.url, 'kdz', password);
    const config = await (await fetch(`${server.url}/api/v1/config/probes`, { headers: { cookie } })).json();
    expect(config).toMatchObject({ version: 1, probes: [{ id: 'gis' }] });
    const enrolled = await fetch(`${server.url}/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret, hardwareId: 'hw', hostname: 'nb', protocol: 1 }),
    });
    expect(enrolled.status).toBe(200);

    server.child.kill('SIGTERM');
    expect(await exited(server.child)).toBe(0);

    // the second start keeps the secret, the device and the config version
    const again = await start(
      ['--port', '0', '--data', data, '--probes', probes, '--log-level', 'warn'],
      cwd,
    );
    expect(again.stdout()).not.toContain(secret);
    expect(readFileSync(join(data, 'enroll-secret'), 'utf8').trim()).toBe(secret);
    const json = async (path: string) =>
      (await (await fetch(`${again.url}${path}`, { headers: { cookie } })).json()) as Record<string, unknown>;
    // the session is in the database: it outlives the restart
    expect((await json('/api/v1/fleet')).devices).toBe(1);
    expect((await json('/api/v1/config/probes')).version).toBe(1);
    again.child.kill('SIGINT');
    expect(await exited(again.child)).toBe(0);
  });
  it('adds, lists and revokes enrollment secrets and revokes a device on the data directory of a running server', async () => {
    const data = join(cwd, 'admin-data');
    const server = await start(['--port', '0', '--data', data, '--log-level', 'warn'], cwd);
    const enrollWith = (secret: string) =>
      fetch(`${server.url}/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ secret, hardwareId: 'hw-admin', hostname: 'nb', protocol: 1 }),
      });
    try {
      const added = await run(['secret', 'add', '--label', 'Rollout', '--data', data], cwd);
      expect(added.code).toBe(0);
      const m = /^Enrollment secret (sec_[0-9a-f]+) \(shown only now\): (\S+)$/m.exec(added.stdout);
      expect(m).not.toBeNull();
      const [, id, secret] = m as unknown as [string, string, string];
      const enrolled = await enrollWith(secret);
      expect(enrolled.status).toBe(200);
      const { deviceId } = (await enrolled.json()) as { deviceId: string };

      const listed = await run(['secret', 'list', '--data', data], cwd);
      expect(listed.stdout).toMatch(new RegExp(`^${id}\tRollout\t\\S+\t1\t`, 'm'));
      expect(listed.stdout).toContain('configured');
      expect(listed.stdout).not.toContain(secret);

      expect((await run(['secret', 'revoke', id, '--data', data], cwd)).code).toBe(0);
      expect((await enrollWith(secret)).status).toBe(401);
      expect((await run(['secret', 'revoke', id, '--data', data], cwd)).code).toBe(1);

      const revoked = await run(['device', 'revoke', deviceId, '--data', data], cwd);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toContain(deviceId);
      expect((await run(['device', 'revoke', 'dev_nope', '--data', data], cwd)).code).toBe(1);
      const missingDb = await run(['secret', 'list', '--data', join(cwd, 'nothing-here')], cwd);
      expect(missingDb.code).toBe(2);
      expect(missingDb.stderr).toContain('lagebild.db');
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
  });

  it('adds, lists, changes and removes dashboard users on the data directory of a running server', async () => {
    const data = join(cwd, 'user-data');
    const server = await start(['--port', '0', '--data', data, '--log-level', 'warn'], cwd);
    const user = (args: string[], input?: string) => run(['user', ...args, '--data', data], cwd, {}, input);
    try {
      const help = await run(['user', '--help'], cwd);
      expect(help.code).toBe(0);
      for (const word of [
        'user add',
        'user passwd',
        'user remove',
        'user list',
        '--password-stdin',
        'servicedesk',
      ])
        expect(help.stdout).toContain(word);

      const added = await user(
        ['add', 'Sabine', '--role', 'servicedesk', '--password-stdin'],
        'sabine-passwort-1\n',
      );
      expect(added).toMatchObject({ code: 0, stdout: 'User Sabine added with role servicedesk\n' });
      const cookie = await signInHttp(server.url, 'sabine', 'sabine-passwort-1');
      expect((await fetch(`${server.url}/api/v1/fleet`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${server.url}/api/v1/enroll-secrets`, { headers: { cookie } })).status).toBe(403);

      const taken = await user(
        ['add', 'SABINE', '--role', 'viewer', '--password-stdin'],
        'another-password-2',
      );
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain('exists already');
      const short = await user(['add', 'kurt', '--role', 'viewer', '--password-stdin'], 'kurz');
      expect(short.code).toBe(1);
      expect(short.stderr).toContain('at least 12 characters');
      const badRole = await user(['add', 'kurt', '--role', 'chef', '--password-stdin'], 'kurt-passwort-1');
      expect(badRole.code).toBe(1);
      expect(badRole.stderr).toContain('admin, servicedesk, viewer, datenschutz');
      const noRole = await user(['add', 'kurt', '--password-stdin'], 'kurt-passwort-1');
      expect(noRole.code).toBe(2);
      expect(noRole.stderr).toContain('--role');
      // no terminal to ask on and no --password-stdin
      const noTty = await user(['add', 'kurt', '--role', 'viewer']);
      expect(noTty.code).toBe(2);
      expect(noTty.stderr).toContain('--password-stdin');

      const listed = await user(['list']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^NAME\tROLE\tCREATED\nSabine\tservicedesk\t\d{4}-/);
      expect(listed.stdout).not.toContain('scrypt');

      expect((await user(['passwd', 'sabine', '--password-stdin'], 'sabine-passwort-2\n')).code).toBe(0);
      expect((await fetch(`${server.url}/api/v1/fleet`, { headers: { cookie } })).status).toBe(401);
      const again = await signInHttp(server.url, 'sabine', 'sabine-passwort-2');
      expect((await user(['passwd', 'nobody', '--password-stdin'], 'whatever-long-1')).code).toBe(1);

      const removed = await user(['remove', 'Sabine']);
      expect(removed).toMatchObject({ code: 0, stdout: 'User Sabine removed; their sessions have ended\n' });
      expect((await fetch(`${server.url}/api/v1/fleet`, { headers: { cookie: again } })).status).toBe(401);
      expect((await user(['remove', 'Sabine'])).code).toBe(1);
      expect((await user(['frobnicate'])).code).toBe(2);
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
  });

  it('manages users in PostgreSQL with --pg', async () => {
    if (!(await requirePg('user commands with --pg'))) return;
    const schema = await freshSchema('lbcliuser');
    try {
      const pg = ['--pg', schema.url, '--pg-schema', schema.schema];
      const added = await run(
        ['user', 'add', 'dsb', '--role', 'datenschutz', '--password-stdin', ...pg],
        cwd,
        {},
        'datenschutz-pw-1',
      );
      expect(added.code, added.stderr).toBe(0);
      expect((await run(['user', 'list', ...pg], cwd)).stdout).toContain('dsb\tdatenschutz\t');
      const both = await run(['user', 'list', ...pg, '--data', cwd], cwd);
      expect(both.code).toBe(2);
    } finally {
      await schema.drop();
    }
  });
});
