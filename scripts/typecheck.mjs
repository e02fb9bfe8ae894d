#!/usr/bin/env node
// `tsc --noEmit` for every workspace package, one after the other, failing on the first error.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './setup.mjs';

const workspace = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
const packages = [...workspace.matchAll(/^\s+-\s+(\S+)\s*$/gm)].map((m) => m[1]);
const tsc = join(root, 'node_modules', '.bin', 'tsc');
let failed = 0;
for (const pkg of packages) {
  const project = join(root, pkg, 'tsconfig.json');
  if (!existsSync(project)) continue;
  const r = spawnSync(tsc, ['--noEmit', '-p', project], { cwd: root, stdio: 'inherit' });
  console.log(`${r.status === 0 ? '✔' : '✖'} tsc --noEmit -p ${pkg}`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
