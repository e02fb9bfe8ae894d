#!/usr/bin/env node
// Entry point behind `npm run demo` / `npm test` (and `pnpm demo` / `pnpm test`):
// installs what is missing, builds, then runs the demo or the whole test suite.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEnv, ensureInstalled, pnpm, root } from './setup.mjs';

const [command, ...rest] = process.argv.slice(2);
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(label, cmd, args, opts = {}) {
  const started = Date.now();
  console.log(`\n▶ ${label}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: buildEnv(), ...opts });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`✖ ${label} failed after ${secs} s (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  console.log(`✔ ${label} (${secs} s)`);
}

function build() {
  const started = Date.now();
  pnpm(['-r', '--workspace-concurrency=1', '--silent', 'run', 'build'], { quiet: true });
  console.log(`✔ build (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function test(args) {
  const started = Date.now();
  ensureInstalled();
  run('system packages the tests need (Debian)', 'bash', [join(root, 'scripts', 'system-packages.sh')]);
  run('lint and format check (biome)', bin('biome'), ['check', '.']);
  run('typecheck every package (tsc --noEmit)', process.execPath, [join(root, 'scripts', 'typecheck.mjs')]);
  console.log('\n▶ build');
  build();
  const report = join(root, 'test-results', 'vitest.json');
  mkdirSync(join(root, 'test-results'), { recursive: true });
  const r = spawnSync(
    bin('vitest'),
    ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
    { cwd: root, stdio: 'inherit', env: buildEnv() },
  );
  let summary = '';
  try {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    const skipped = j.numPendingTests + j.numTodoTests;
    summary = `${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`;
  } catch {
    summary = 'no test report was written';
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nTest command took ${secs} s`);
  console.log(`Tests: ${summary}`);
  process.exit(r.status ?? 1);
}

function demo(args) {
  ensureInstalled();
  console.log('lagebild: building …');
  build();
  const r = spawnSync(process.execPath, [join(root, 'demo', 'bin', 'lagebild-demo.js'), ...args], {
    cwd: root,
    stdio: 'inherit',
    env: buildEnv(),
  });
  process.exit(r.status ?? 0);
}

switch (command) {
  case 'test':
    test(rest);
    break;
  case 'demo':
    demo(rest);
    break;
  case 'build':
    ensureInstalled();
    build();
    break;
  default:
    console.error(
      'usage: node scripts/lagebild.mjs test [vitest args] | demo [--port N] [--devices N] [--data DIR] | build',
    );
    process.exit(2);
}
