#!/usr/bin/env node
// Brings a fresh checkout to a runnable state: pinned pnpm, dependencies, native addons.
// Used by `npm run demo` / `npm test` so that Node 20 and npm are all a machine needs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];

/** Environment for installs and builds: native addons compile against the local Node headers when present. */
export function buildEnv(env = process.env) {
  const out = { ...env };
  if (!out.npm_config_nodedir && existsSync('/usr/include/node/node.h')) out.npm_config_nodedir = '/usr';
  return out;
}

/** The command that runs the pinned pnpm: the one running us, one on PATH, or one fetched by npx. */
export function pnpmCommand() {
  const execPath = process.env.npm_execpath ?? '';
  const agent = process.env.npm_config_user_agent ?? '';
  if (execPath && agent.startsWith(`pnpm/${pinned} `)) {
    // pnpm may be a JavaScript entry or a standalone executable
    return /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []];
  }
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8', shell: false });
  if (onPath.status === 0 && onPath.stdout.trim() === pinned) return ['pnpm', []];
  return ['npx', ['--yes', `pnpm@${pinned}`]];
}

/** Runs pnpm with the given arguments; exits the process on failure. */
export function pnpm(args, { quiet = false } = {}) {
  const [cmd, pre] = pnpmCommand();
  const r = spawnSync(cmd, [...pre, ...args], {
    cwd: root,
    stdio: quiet ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    env: buildEnv(),
  });
  if (r.status !== 0) {
    if (quiet && r.stdout) process.stdout.write(r.stdout);
    console.error(`lagebild: 'pnpm ${args.join(' ')}' failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

function installIsCurrent() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  if (!existsSync(marker) || !existsSync(lock)) return false;
  const installed = statSync(marker).mtimeMs;
  const inputs = ['pnpm-lock.yaml', 'package.json', 'pnpm-workspace.yaml'].map(
    (f) => statSync(join(root, f)).mtimeMs,
  );
  return inputs.every((t) => t <= installed);
}

/** Installs dependencies unless the installed tree already matches the lockfile. */
export function ensureInstalled({ quiet = false } = {}) {
  if (installIsCurrent()) return;
  if (!quiet)
    console.log('lagebild: installing dependencies (native addons compile, first run takes a few minutes) …');
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  pnpm(['install', ...frozen]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureInstalled({ quiet: process.argv.includes('--quiet') });
}
