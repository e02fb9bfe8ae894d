#!/usr/bin/env node
// CPU cost of watching for security keys by polling: the agent's real SecurityKeyCollector (node-hid
// enumeration + key detection) every 1 s and every 2 s, against an idle Node process as the baseline.
// Each variant runs in its own process for --duration seconds; prints one JSON line.
// Needs the built agent (`npm run build`) and node-hid's native binding (libusb-1.0-0 on Linux).
//
//   node bench/key-polling/run.mjs [--duration SEC] [--calls N]

import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(HERE), '../..');
const COLLECTOR = pathToFileURL(join(ROOT, 'agent/dist/collectors/security-key.js')).href;
// start-up (module loading, the native binding) is not polling
const WARMUP_MS = 3_000;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    calls: { type: 'string', default: '200' },
    child: { type: 'string' },
  },
});
const durationMs = Number(values.duration) * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** In a child: poll (or idle) for the duration after a warm-up; report this process's CPU share. */
async function child(mode) {
  const { SecurityKeyCollector } = await import(COLLECTOR);
  const collector = new SecurityKeyCollector();
  const cap = await collector.capability();
  if (!cap.available) throw new Error(`node-hid unavailable: ${cap.reason}`);
  const intervalMs = mode === 'idle' ? 0 : Number(mode) * 1000;
  let polls = 0;
  let timer;
  const poll = async () => {
    await collector.collect();
    polls++;
  };
  if (intervalMs > 0) {
    await poll();
    timer = setInterval(() => void poll(), intervalMs);
  }
  await sleep(WARMUP_MS);
  const polls0 = polls;
  const c0 = cpuMicros();
  const t0 = performance.now();
  // an idle process still needs a timer to stay alive; one tick a minute costs nothing measurable
  const keepAlive = setInterval(() => {}, 60_000);
  await sleep(durationMs);
  const wallMs = performance.now() - t0;
  const cpuMs = (cpuMicros() - c0) / 1000;
  clearInterval(timer);
  clearInterval(keepAlive);
  process.stdout.write(JSON.stringify({ cpuPct: (cpuMs / wallMs) * 100, polls: polls - polls0 }));
}

/** In a child: the average cost of one enumeration, sync devices() and devicesAsync(), in µs. */
async function perCall(calls) {
  const mod = await import('node-hid').catch(async () => {
    // node-hid is the agent's optional dependency: resolve it from there
    const { createRequire } = await import('node:module');
    return createRequire(join(ROOT, 'agent/package.json'))('node-hid');
  });
  const hid = mod.default ?? mod;
  const time = async (fn) => {
    await fn();
    const c0 = cpuMicros();
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await fn();
    return { wallUs: ((performance.now() - t0) * 1000) / calls, cpuUs: (cpuMicros() - c0) / calls };
  };
  const devices = hid.devices();
  const out = {
    hidDevices: devices.length,
    hidapi: hid.getHidapiVersion?.() ?? null,
    devices: await time(() => hid.devices()),
    devicesAsync: await time(() => hid.devicesAsync()),
  };
  process.stdout.write(JSON.stringify(out));
}

function runChild(args) {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [HERE, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('exit', (code) =>
      code === 0 ? res(JSON.parse(out)) : rej(new Error(`child ${args} exited ${code}`)),
    );
  });
}

async function main() {
  if (values.child === 'per-call') return perCall(Number(values.calls));
  if (values.child) return child(values.child);
  const round = (v, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
  const calls = await runChild(['--child', 'per-call', '--calls', values.calls]);
  // sequential, so the variants do not compete for the two cores
  const idle = await runChild(['--child', 'idle', '--duration', values.duration]);
  const every2 = await runChild(['--child', '2', '--duration', values.duration]);
  const every1 = await runChild(['--child', '1', '--duration', values.duration]);
  console.log(
    JSON.stringify({
      durationSec: Number(values.duration),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      hidapi: calls.hidapi,
      hidDevices: calls.hidDevices,
      perCallUs: {
        devices: { wall: round(calls.devices.wallUs, 1), cpu: round(calls.devices.cpuUs, 1) },
        devicesAsync: { wall: round(calls.devicesAsync.wallUs, 1), cpu: round(calls.devicesAsync.cpuUs, 1) },
      },
      cpuPct: { idle: round(idle.cpuPct), every2s: round(every2.cpuPct), every1s: round(every1.cpuPct) },
      pollingCostPct: {
        every2s: round(every2.cpuPct - idle.cpuPct),
        every1s: round(every1.cpuPct - idle.cpuPct),
      },
      polls: { every2s: every2.polls, every1s: every1.polls },
    }),
  );
}

main().catch((e) => {
  console.error(`key-polling: ${e.message}`);
  process.exit(1);
});
