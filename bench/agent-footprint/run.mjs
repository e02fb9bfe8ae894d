#!/usr/bin/env node
// Footprint of a real `lagebild-agent run` process: a real Lagebild server pushes 8 HTTP probes
// (60 s interval) at local stand-ins; the agent's CPU time and RSS are read from /proc every 5 s.
// Prints one JSON line. Needs the built server and agent (`npm run build`) and Linux (/proc).
//
//   node bench/agent-footprint/run.mjs [--duration SEC] [--quick] [--probes N] [--interval SEC]

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER_BIN = join(ROOT, 'server/bin/lagebild-server.js');
const AGENT_BIN = join(ROOT, 'agent/bin/lagebild-agent.js');
const SAMPLE_MS = 5_000;
// module loading, enrollment and the first round of collectors are start-up cost, not steady state
const WARMUP_MS = 15_000;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' },
    quick: { type: 'boolean', default: false },
    probes: { type: 'string', default: '8' },
    interval: { type: 'string', default: '60' },
  },
});
const durationSec = values.quick ? 60 : Number(values.duration);
const probeCount = Number(values.probes);
const intervalSec = Number(values.interval);
if (!(durationSec > 0 && probeCount > 0 && intervalSec >= 5)) {
  console.error('usage: run.mjs [--duration SEC] [--quick] [--probes N] [--interval SEC>=5]');
  process.exit(2);
}

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux this runs on, asked once to be sure. */
async function clockTicks() {
  const out = await new Promise((res) => {
    const p = spawn('getconf', ['CLK_TCK']);
    let s = '';
    p.stdout.on('data', (d) => {
      s += d;
    });
    p.on('close', () => res(s));
    p.on('error', () => res(''));
  });
  return Number(out.trim()) || 100;
}

/**
 * CPU ticks of a process: its own utime + stime (fields 14, 15) and those of the children it waited for,
 * cutime + cstime (16, 17) — the OS tools systeminformation and the route checks run are the agent's cost
 * too. The command name in field 2 may hold spaces.
 */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { self: f[11] + f[12], children: f[13] + f[14] };
}

function rssMb(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Starts a child and resolves once a line of its stdout matches. */
function startChild(args, ready, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => {
    err = (err + d).slice(-4000);
  });
  const matched = new Promise((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = ready?.exec(out);
      if (m) res(m);
    });
    child.on('exit', (code) => rej(new Error(`${args[0]} exited with ${code}: ${err}`)));
    if (!ready) res(null);
  });
  return { child, matched, stderr: () => err };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'lagebild-footprint-'));
  let hits = 0;
  const standIns = [];
  for (let i = 0; i < probeCount; i++) {
    const srv = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Fachverfahren ok\n');
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    standIns.push(srv);
  }
  const probes = standIns.map((s, i) => ({
    id: `fv-${i + 1}`,
    app: `Fachverfahren ${i + 1}`,
    kind: 'http',
    target: `http://127.0.0.1:${s.address().port}/`,
    intervalSec,
    timeoutMs: 5000,
  }));
  const probesFile = join(tmp, 'probes.json');
  writeFileSync(probesFile, JSON.stringify(probes));

  const secret = 'footprint-bench-secret';
  const server = startChild(
    [
      SERVER_BIN,
      '--port',
      '0',
      '--data',
      join(tmp, 'server'),
      '--enroll-secret',
      secret,
      '--probes',
      probesFile,
      '--log-level',
      'warn',
    ],
    /listening on (http:\/\/\S+)/,
  );
  const children = [server.child];
  try {
    const [, url] = await server.matched;
    const agent = startChild([
      AGENT_BIN,
      'run',
      '--server',
      url,
      '--state-dir',
      join(tmp, 'agent'),
      '--enroll-secret',
      secret,
      '--log-level',
      'warn',
    ]);
    children.push(agent.child);
    const pid = agent.child.pid;
    const exited = new Promise((_, rej) =>
      agent.child.on('exit', (code) => rej(new Error(`agent exited with ${code}: ${agent.stderr()}`))),
    );
    exited.catch(() => {});
    const ticksPerSec = await clockTicks();

    await Promise.race([sleep(WARMUP_MS), exited]);
    const hitsAtStart = hits;
    const t0 = performance.now();
    const c0 = cpuTicks(pid);
    const rss = [rssMb(pid)];
    const load = [loadavg()[0]];
    while (performance.now() - t0 < durationSec * 1000) {
      await Promise.race([sleep(Math.min(SAMPLE_MS, durationSec * 1000 - (performance.now() - t0))), exited]);
      rss.push(rssMb(pid));
      load.push(loadavg()[0]);
    }
    const wallSec = (performance.now() - t0) / 1000;
    const c1 = cpuTicks(pid);
    const pct = (ticks) => (ticks / ticksPerSec / wallSec) * 100;
    const round = (v, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
    // the collection intervals the server pushed (health, VPN, security keys)
    const pushed = JSON.parse(readFileSync(join(tmp, 'agent', 'config.json'), 'utf8'));
    console.log(
      JSON.stringify({
        durationSec: round(wallSec, 1),
        probes: probeCount,
        intervalSec,
        avgCpuPct: round(pct(c1.self - c0.self + c1.children - c0.children), 3),
        avgCpuPctNode: round(pct(c1.self - c0.self), 3),
        avgCpuPctTools: round(pct(c1.children - c0.children), 3),
        maxRssMB: round(Math.max(...rss), 1),
        avgRssMB: round(rss.reduce((a, b) => a + b, 0) / rss.length, 1),
        node: process.version,
        samples: rss.length,
        warmupSec: WARMUP_MS / 1000,
        probeRequests: hits - hitsAtStart,
        collectorIntervalsSec: pushed.intervals,
        avgLoad1: round(load.reduce((a, b) => a + b, 0) / load.length),
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
      }),
    );
  } finally {
    for (const c of children.reverse()) {
      if (c.exitCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => {
            c.kill('SIGKILL');
            r();
          }, 5000);
          c.on('exit', () => {
            clearTimeout(t);
            r();
          });
        });
      }
    }
    for (const s of standIns) s.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`agent-footprint: ${e.message}`);
  process.exit(1);
});
