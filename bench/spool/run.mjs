#!/usr/bin/env node
// Spool throughput and size: appends per second through the agent's real Spool (write + fdatasync per
// append) with one observation per append and with one minute's mix (8 probes, health, VPN and key
// heartbeats) per append; bytes per observation on disk; the size of a week offline at the default
// intervals; and how fast a backlog is read back and acknowledged. Prints one JSON line.
// Needs the built agent (`pnpm --filter @lagebild/agent build`).
//
//   node bench/spool/run.mjs [--seconds 5] [--dir DIR]   (DIR: on the disk to measure; default the OS temp dir)

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { Spool, DEFAULT_SPOOL } = await import(pathToFileURL(join(ROOT, 'agent/dist/spool.js')).href);

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, dir: { type: 'string', default: tmpdir() } },
});
const seconds = Number(values.seconds);
const PROBES = ['ewo', 'kfz', 'gewerbe', 'sozial', 'bau', 'kasse', 'personal', 'dms'];
const HOSTS = PROBES.map((p) => `${p}.fachverfahren.stadt.local`);

// the shapes the agent sends, with every optional field a real notebook fills
const probe = (id, i) => ({
  kind: 'probe',
  probeId: id,
  app: `Fachverfahren ${id.toUpperCase()}`,
  probeKind: 'http',
  target: `https://${id}.fachverfahren.stadt.local/login`,
  ok: true,
  errorClass: null,
  status: 200,
  phases: { dnsMs: 3.1, connectMs: 18.4, tlsMs: 41.7, ttfbMs: 140.2 + (i % 50), totalMs: 212.9 + (i % 50) },
  certExpiresAt: 1_830_000_000_000,
  ipVersion: 4,
});
const health = (i) => ({
  kind: 'health',
  cpuPct: 12.5,
  memPct: 61.2,
  memTotalMb: 16384,
  diskFreePct: 40.1,
  batteryPct: 87,
  onAc: true,
  charging: false,
  batteryHealthPct: 91.3,
  link: 'wifi',
  wifiSignalPct: 72,
  wifiSignalDbm: -64,
  linkSpeedMbps: 866.7,
  uptimeSec: i * 60,
  clockOffsetMs: -3.2,
  agentCpuPct: 0.3,
  agentRssMb: 86.2,
});
const vpn = {
  kind: 'vpn',
  change: false,
  state: 'up',
  vendor: 'wireguard',
  interface: 'wg0',
  addresses: ['10.8.0.3'],
  since: 1_764_000_000_000,
  gateway: 'vpn.stadt.de',
  gatewayRttMs: 14.2,
  gatewayReachable: true,
  changesLastHour: 0,
  routes: HOSTS.map((host) => ({ host, viaTunnel: true, interface: 'wg0' })),
};
const key = {
  kind: 'securityKey',
  change: false,
  available: true,
  present: true,
  keys: [
    {
      vendor: 'Yubico',
      product: 'YubiKey OTP+FIDO+CCID',
      vendorId: 0x1050,
      productId: 0x0407,
      interfaces: ['OTP', 'FIDO', 'CCID'],
      model: 'YubiKey 5 NFC',
      serial: '12345678',
    },
  ],
};
let seq = 0;
const T0 = Date.now();
const minute = (m) =>
  [...PROBES.map((id) => probe(id, m)), health(m), vpn, key].map((d) => ({
    ...d,
    seq: ++seq,
    ts: T0 + m * 60_000,
  }));

/** Appends for `seconds` (per-append batches from `make`); returns appends/s and observations/s. */
function appendRate(make) {
  const dir = mkdtempSync(join(values.dir, 'lagebild-spool-bench-'));
  const spool = Spool.open(dir, { now: () => T0 });
  let appends = 0;
  let observations = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(seconds * 1e9);
  let m = 0;
  while (process.hrtime.bigint() < end) {
    const batch = make(m++);
    spool.append(batch);
    appends++;
    observations += batch.length;
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  const stats = spool.stats();
  spool.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    appendsPerSec: Math.round(appends / s),
    observationsPerSec: Math.round(observations / s),
    stats,
    observations,
  };
}

const single = appendRate((m) => [minute(m)[0]]);
seq = 0;
const perMinute = appendRate((m) => minute(m));

// a week offline at the default intervals, one append per minute, on the same disk; then drain it
seq = 0;
const weekDir = mkdtempSync(join(values.dir, 'lagebild-spool-week-'));
let now = T0;
const week = Spool.open(weekDir, { now: () => now });
const WEEK = 7 * 24 * 60;
const t0 = process.hrtime.bigint();
for (let m = 0; m < WEEK; m++) {
  now = T0 + (m + 1) * 60_000;
  week.append(minute(m));
}
const writeSec = Number(process.hrtime.bigint() - t0) / 1e9;
const weekStats = week.stats();
const t1 = process.hrtime.bigint();
let read = 0;
for (let b = week.read(0, 200); b.length > 0; b = week.read(b[b.length - 1].seq, 200)) {
  read += b.length;
  week.ack(b[b.length - 1].seq);
}
const drainSec = Number(process.hrtime.bigint() - t1) / 1e9;
week.close();
rmSync(weekDir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: 'spool',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    dir: values.dir,
    seconds,
    singleAppendsPerSec: single.appendsPerSec,
    minuteAppendsPerSec: perMinute.appendsPerSec,
    minuteObservationsPerSec: perMinute.observationsPerSec,
    bytesPerObservation: Math.round((weekStats.bytes / weekStats.records) * 10) / 10,
    observationsPerWeek: weekStats.records,
    weekMiB: Math.round((weekStats.bytes / 1024 / 1024) * 10) / 10,
    capMiB: DEFAULT_SPOOL.maxBytes / 1024 / 1024,
    weekWriteSec: Math.round(writeSec * 10) / 10,
    drainObservationsPerSec: Math.round(read / drainSec),
  }),
);
