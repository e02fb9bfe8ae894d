// Ingest throughput through Store.ingestBatch against a bare insert of the same probe rows into an
// identical table, in alternating rounds of the same run (so machine noise hits both alike), then
// the rollup job folding everything that was ingested.

import { APPS, Fleet, MINUTE_MS } from './dataset.mjs';
import { log } from './progress.mjs';

const ROUND = 500;

function identity(dev, seq, ts) {
  return {
    kind: 'identity',
    seq,
    ts,
    hostname: dev.hostname,
    serial: dev.serial,
    os: 'windows',
    osVersion: '10.0.22631',
    osBuild: '22631.4460',
    manufacturer: 'LENOVO',
    model: 'ThinkPad T14 Gen 4',
    agentVersion: '0.1.0',
    ...(dev.site ? { site: dev.site } : {}),
    ...(dev.orgUnit ? { orgUnit: dev.orgUnit } : {}),
  };
}

function vpn(dev, seq, ts, state, change) {
  return {
    kind: 'vpn',
    seq,
    ts,
    change,
    state,
    vendor: 'wireguard',
    interface: 'wg0',
    addresses: [`10.8.${(dev.num >> 8) & 255}.${dev.num & 255}`],
    since: ts - 3_600_000,
    gateway: dev.gateway,
    gatewayRttMs: 14.2,
    gatewayReachable: true,
    changesLastHour: change ? 1 : 0,
    routes: APPS.map((a) => ({
      host: `${a.probeId}.fachverfahren.stadt.local`,
      viaTunnel: true,
      interface: 'wg0',
    })),
  };
}

const KEY = {
  vendor: 'Yubico',
  product: 'YubiKey 5 NFC',
  vendorId: 4176,
  productId: 1031,
  interfaces: ['FIDO', 'OTP', 'CCID'],
  model: 'YubiKey 5 NFC',
};

function health(seq, ts, i) {
  return {
    kind: 'health',
    seq,
    ts,
    cpuPct: 12.5 + (i % 30),
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
    uptimeSec: 3600 + i * 60,
    clockOffsetMs: -3.2,
    agentCpuPct: 0.3,
    agentRssMb: 86.2,
  };
}

function probe(seq, ts, app, total, ok) {
  return {
    kind: 'probe',
    seq,
    ts,
    probeId: app.probeId,
    app: app.name,
    probeKind: 'http',
    target: app.target,
    ok,
    errorClass: ok ? null : 'timeout',
    ...(ok ? { status: 200 } : { errorMessage: 'no answer within 5000 ms' }),
    phases: ok
      ? { dnsMs: 3.1, connectMs: 18.4, tlsMs: 41.7, ttfbMs: total * 0.8, totalMs: total }
      : { totalMs: 5000 },
    certExpiresAt: 1_830_000_000_000,
    ipVersion: 4,
  };
}

/** The raw-sample row the bare insert writes for a probe observation (column order of probe_samples). */
function sampleRow(deviceId, o) {
  return [
    deviceId,
    o.seq,
    o.ts,
    o.probeId,
    o.app,
    o.probeKind,
    o.target,
    o.ok ? 1 : 0,
    o.errorClass,
    o.errorMessage ?? null,
    o.status ?? null,
    o.phases.dnsMs ?? null,
    o.phases.connectMs ?? null,
    o.phases.tlsMs ?? null,
    o.phases.ttfbMs ?? null,
    o.phases.totalMs,
    o.certExpiresAt ?? null,
  ];
}

/** Runs fn(worker, item) for items split by key % workers; items of one key stay in order on one worker. */
async function onWorkers(workers, items, key, fn) {
  const lanes = Array.from({ length: workers }, () => []);
  for (const it of items) lanes[key(it) % workers].push(it);
  await Promise.all(
    lanes.map(async (lane, w) => {
      for (const it of lane) await fn(w, it);
    }),
  );
}

/**
 * @param target {store, concurrency, bareInsert(worker, rows), bareCount(), bareLabel}
 * @param o {devices, batches, batchSize, now, shared}
 */
export async function runIngest(target, o) {
  const { store, concurrency } = target;
  const fleet = new Fleet({ devices: o.devices, days: 1, minuteDevices: 0, now: o.now, shared: o.shared });
  const devs = Array.from({ length: o.devices }, (_, i) => fleet.device(i + 1));
  // recent samples land in today's partitions (PostgreSQL), as live ingest does
  const t0 = o.now - 30 * 60_000;
  log(`  enrolling ${o.devices.toLocaleString('en')} devices and sending their identity, VPN and key state`);
  await onWorkers(
    concurrency,
    devs,
    (d) => d.num,
    async (_w, dev) => {
      await store.enrollDevice({
        newDeviceId: dev.id,
        hardwareId: dev.hardwareId,
        hostname: dev.hostname,
        tokenHash: 'a'.repeat(64),
        now: t0,
      });
      const obs = [
        identity(dev, 1, t0),
        vpn(dev, 2, t0, 'up', true),
        { kind: 'securityKey', seq: 3, ts: t0, change: true, available: true, present: true, keys: [KEY] },
      ];
      await store.ingestBatch(dev.id, obs, t0);
    },
  );

  const probesPerBatch = Math.max(1, o.batchSize - 4);
  const vpnState = new Map();
  /** batch k goes to device k mod D; its observations continue that device's seq and clock */
  function makeBatch(k) {
    const dev = devs[k % o.devices];
    const round = Math.floor(k / o.devices);
    let seq = 4 + round * (probesPerBatch + 4);
    const base = t0 + 60_000 + round * Math.ceil(probesPerBatch / APPS.length) * MINUTE_MS;
    const obs = [];
    for (let p = 0; p < probesPerBatch; p++) {
      const app = APPS[p % APPS.length];
      const ts = base + Math.floor(p / APPS.length) * MINUTE_MS + (p % APPS.length) * 4_000;
      const ok = (k * 31 + p) % 200 !== 0;
      obs.push(probe(seq++, ts, app, Math.round(app.medianMs * (0.7 + ((k * 7 + p * 13) % 60) / 100)), ok));
    }
    obs.push(health(seq++, base + 1_000, k));
    obs.push(health(seq++, base + 61_000, k));
    const before = vpnState.get(dev.num) ?? 'up';
    const flip = k % 50 === 7;
    const state = flip ? (before === 'up' ? 'degraded' : 'up') : before;
    vpnState.set(dev.num, state);
    obs.push(vpn(dev, seq++, base + 2_000, state, flip));
    obs.push({
      kind: 'securityKey',
      seq: seq++,
      ts: base + 3_000,
      change: false,
      available: true,
      present: true,
      keys: [KEY],
    });
    return { k, dev, obs, receivedAt: base + 120_000 };
  }

  let storeNs = 0n;
  let bareNs = 0n;
  let stored = 0;
  let samples = 0;
  log(
    `  ${o.batches.toLocaleString('en')} batches of ${o.batchSize} (${probesPerBatch} probe samples), rounds of ${ROUND}, ${concurrency} at a time`,
  );
  const storePhase = async (batches) => {
    const s = process.hrtime.bigint();
    await onWorkers(
      concurrency,
      batches,
      (b) => b.dev.num,
      async (_w, b) => {
        const r = await store.ingestBatch(b.dev.id, b.obs, b.receivedAt);
        stored += r.stored;
      },
    );
    storeNs += process.hrtime.bigint() - s;
  };
  const barePhase = async (batches) => {
    const s = process.hrtime.bigint();
    await onWorkers(
      concurrency,
      batches,
      (b) => b.dev.num,
      async (w, b) => {
        const rows = [];
        for (const x of b.obs) if (x.kind === 'probe') rows.push(sampleRow(b.dev.id, x));
        await target.bareInsert(w, rows);
      },
    );
    bareNs += process.hrtime.bigint() - s;
  };
  let lastLog = Date.now();
  for (let k0 = 0, r = 0; k0 < o.batches; k0 += ROUND, r++) {
    const batches = [];
    for (let k = k0; k < Math.min(o.batches, k0 + ROUND); k++) batches.push(makeBatch(k));
    samples += batches.length * probesPerBatch;
    // alternate which side goes first so that neither always runs on a warmer cache
    if (r % 2 === 0) {
      await storePhase(batches);
      await barePhase(batches);
    } else {
      await barePhase(batches);
      await storePhase(batches);
    }
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(
        `  ingest: ${(k0 + batches.length).toLocaleString('en')} of ${o.batches.toLocaleString('en')} batches`,
      );
    }
  }
  const expected = o.batches * o.batchSize;
  if (stored !== expected)
    throw new Error(`store reported ${stored} stored observations, expected ${expected}`);
  const bareRows = await target.bareCount();
  if (bareRows !== samples) throw new Error(`bare table has ${bareRows} rows, expected ${samples}`);

  const storeSec = Number(storeNs) / 1e9;
  const bareSec = Number(bareNs) / 1e9;
  const ingest = {
    devices: o.devices,
    batches: o.batches,
    batchSize: o.batchSize,
    probesPerBatch,
    concurrency,
    bare: target.bareLabel,
    storeSeconds: storeSec,
    bareSeconds: bareSec,
    storeObservationsPerSec: expected / storeSec,
    storeSamplesPerSec: samples / storeSec,
    bareRowsPerSec: samples / bareSec,
    /** same batches, same probe rows: store batch rate ÷ bare batch rate */
    ratio: bareSec / storeSec,
  };
  log(
    `  store ${Math.round(ingest.storeObservationsPerSec).toLocaleString('en')} observations/s ` +
      `(${Math.round(ingest.storeSamplesPerSec).toLocaleString('en')} samples/s), bare ` +
      `${Math.round(ingest.bareRowsPerSec).toLocaleString('en')} rows/s, ratio ${(ingest.ratio * 100).toFixed(1)} %`,
  );

  // fold everything just ingested (plus the priming batches' nothing): the rollup job's throughput
  const rs = process.hrtime.bigint();
  let folded = 0;
  let calls = 0;
  for (;;) {
    const r = await store.rollup();
    folded += r.samples;
    calls++;
    if (r.caughtUp) break;
    if (calls % 20 === 0)
      log(`  rollup: ${folded.toLocaleString('en')} of ${samples.toLocaleString('en')} samples folded`);
  }
  const rollupSec = Number(process.hrtime.bigint() - rs) / 1e9;
  if (folded !== samples) throw new Error(`rollup folded ${folded} samples, ${samples} were ingested`);
  const rollup = { samples: folded, calls, seconds: rollupSec, samplesPerSec: folded / rollupSec };
  log(
    `  rollup: ${folded.toLocaleString('en')} samples in ${calls} calls, ${Math.round(rollup.samplesPerSec).toLocaleString('en')}/s`,
  );
  return { ...ingest, rollup };
}
