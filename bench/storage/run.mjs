#!/usr/bin/env node
// Storage at fleet scale, through the Store interface of the built server, for SQLite and PostgreSQL:
//  1. ingest: observations/s through Store.ingestBatch vs a bare batched insert of the same probe rows
//     into an identical table, same run; then Store.rollup() folding all of it;
//  2. queries on a synthetic history (default 100,000 devices, 30 days) written directly with bulk
//     inserts, not through ingest: fleet overview, one device's 7 days, one application's p95 per
//     group over 30 days (median and p95 of many runs), and the database size per device-day.
// Progress goes to stderr; the result is one JSON line on stdout, followed (on stderr) by the
// markdown tables for bench/README.md. `node bench/storage/run.mjs --help` lists the options.

import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Fleet } from './dataset.mjs';
import { runIngest } from './ingest.mjs';
import { loadPg, loadShared, loadSqlite } from './modules.mjs';
import { log } from './progress.mjs';
import { runQueries } from './queries.mjs';
import { markdown, sizeReport } from './report.mjs';
import { buildSqliteHistory, sqliteFillCheck, sqliteIngestTarget, sqliteSizes } from './sqlite-engine.mjs';

const HELP = `Storage benchmark: ingest vs bare insert, rollup throughput, queries and size at fleet scale.
Needs the built packages: npx pnpm@12.4.2 --filter @lagebild/shared --filter @lagebild/server run build

  node bench/storage/run.mjs [options]

  --engine sqlite|pg|both   engines to measure (default both)
  --only ingest|queries     run one part only (default both parts)
  --devices N               devices in the generated history (default 100000)
  --days N                  days of generated history (default 30)
  --minute-devices N        devices that also get (device, app) minute rollups for the last 14 days and
                            raw samples for the last 2 days; the detail query reads these (default 1000)
  --runs N                  measured runs per query (default 60), after --warmup N (default 5)
  --ingest-devices N        devices enrolled for the ingest part (default 10000)
  --ingest-batches N        batches sent through each path (default 20000)
  --batch-size N            observations per batch: N-4 probe samples, 2 health, 1 VPN, 1 key (default 20)
  --pg-concurrency LIST     PostgreSQL batches in flight, comma-separated runs (default 1,8)
  --pg URL                  PostgreSQL (default postgres://postgres@127.0.0.1:5432/test); the bench works in
                            fresh schemas lbbench_* and drops them at the end
  --dir DIR                 where SQLite files go (default /tmp/lagebild-bench)
  --keep                    keep the generated SQLite files and PostgreSQL schemas
  --help                    this text

Disk: at the defaults SQLite needs about 25 GB and PostgreSQL about 35 GB while an engine is measured; each
engine's data is removed before the next one starts (unless --keep).`;

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'both' },
    only: { type: 'string', default: '' },
    devices: { type: 'string', default: '100000' },
    days: { type: 'string', default: '30' },
    'minute-devices': { type: 'string', default: '1000' },
    runs: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    'ingest-devices': { type: 'string', default: '10000' },
    'ingest-batches': { type: 'string', default: '20000' },
    'batch-size': { type: 'string', default: '20' },
    'pg-concurrency': { type: 'string', default: '1,8' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    dir: { type: 'string', default: '/tmp/lagebild-bench' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (name, min) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer ≥ ${min}\n\n${HELP}`);
    process.exit(2);
  }
  return n;
};
const opts = {
  devices: num('devices', 1),
  days: num('days', 1),
  minuteDevices: num('minute-devices', 1),
  runs: num('runs', 1),
  warmup: num('warmup', 0),
  ingestDevices: num('ingest-devices', 1),
  ingestBatches: num('ingest-batches', 1),
  batchSize: num('batch-size', 5),
};
const engines = values.engine === 'both' ? ['sqlite', 'pg'] : [values.engine];
if (!engines.every((e) => e === 'sqlite' || e === 'pg') || !['', 'ingest', 'queries'].includes(values.only)) {
  console.error(HELP);
  process.exit(2);
}
const pgConcurrency = values['pg-concurrency'].split(',').map(Number);
if (!pgConcurrency.every((c) => Number.isInteger(c) && c >= 1)) {
  console.error('--pg-concurrency must list integers ≥ 1');
  process.exit(2);
}
const doIngest = values.only !== 'queries';
const doQueries = values.only !== 'ingest';

/** devices whose hour rollups are written in both orders to compare bytes per row */
const FILL_DEVICES = 2000;

const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const workDir = join(values.dir, runId);

// cleanups run at the end and on Ctrl-C, newest first
const cleanups = [];
async function cleanup() {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (e) {
      log(`cleanup failed: ${e.message}`);
    }
  }
}
process.on('SIGINT', () => {
  log('interrupted: cleaning up');
  cleanup().finally(() => process.exit(130));
});

const shared = await loadShared();
const sqliteMods = engines.includes('sqlite') ? await loadSqlite() : null;
const pgMods = engines.includes('pg') ? await loadPg() : null;
const pgEngine = pgMods ? await import('./pg-engine.mjs') : null;

mkdirSync(workDir, { recursive: true });
if (!values.keep) cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
log(`work directory ${workDir}`);

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memGiB: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
  loadavgStart: loadavg()[0],
};

async function ingestPart(engine) {
  const runs = [];
  const variants = engine === 'sqlite' ? [1] : pgConcurrency;
  for (const c of variants) {
    log(`${engine}: ingest${engine === 'pg' ? ` (${c} batches in flight)` : ''}`);
    const now = Date.now();
    let target;
    let drop = async () => {};
    if (engine === 'sqlite') {
      const file = join(workDir, `ingest-${runs.length}.db`);
      target = await sqliteIngestTarget(sqliteMods, file);
      drop = async () => rmSync(file, { force: true });
      for (const ext of ['-wal', '-shm']) cleanups.push(() => rmSync(file + ext, { force: true }));
    } else {
      const schema = `lbbench_ingest_${runId}_${c}`;
      target = await pgEngine.pgIngestTarget(pgMods, values.pg, schema, c);
      drop = () => pgEngine.dropSchema(pgMods, values.pg, schema);
    }
    if (!values.keep) cleanups.push(drop);
    try {
      runs.push(
        await runIngest(target, {
          devices: opts.ingestDevices,
          batches: opts.ingestBatches,
          batchSize: opts.batchSize,
          now,
          shared,
        }),
      );
    } finally {
      await target.close();
    }
    if (!values.keep) {
      cleanups.splice(cleanups.indexOf(drop), 1);
      await drop();
    }
  }
  return runs;
}

async function queryPart(engine) {
  const now = Date.now();
  const fleet = new Fleet({
    devices: opts.devices,
    days: opts.days,
    minuteDevices: opts.minuteDevices,
    now,
    shared,
  });
  const expected = fleet.expectedRows();
  log(
    `${engine}: generating ${opts.devices.toLocaleString('en')} devices × ${opts.days} days ` +
      `(${expected.activeDeviceDays.toLocaleString('en')} working device-days, ` +
      `${expected.rollup_device_hour.toLocaleString('en')} device hour rollups)`,
  );
  const g0 = Date.now();
  let store;
  let sizes;
  let loaded;
  let drop = async () => {};
  let pgSchema = '';
  if (engine === 'sqlite') {
    const file = join(workDir, 'history.db');
    drop = async () => {
      for (const ext of ['', '-wal', '-shm']) rmSync(file + ext, { force: true });
    };
    if (!values.keep) cleanups.push(drop);
    loaded = await buildSqliteHistory(sqliteMods, file, fleet);
    store = new sqliteMods.SqliteStore(file);
    sizes = async () => sqliteSizes(sqliteMods.Database, file);
  } else {
    const schema = `lbbench_${runId}`;
    pgSchema = schema;
    drop = () => pgEngine.dropSchema(pgMods, values.pg, schema);
    if (!values.keep) cleanups.push(drop);
    loaded = await pgEngine.buildPgHistory(pgMods, values.pg, schema, fleet);
    store = await pgMods.PgStore.open({ url: values.pg, schema });
    sizes = () => pgEngine.pgSizes(pgMods, values.pg, schema);
  }
  const generateSeconds = (Date.now() - g0) / 1000;
  log(`${engine}: history written in ${Math.round(generateSeconds)} s; measuring queries`);
  let queries;
  try {
    queries = await runQueries(store, fleet, now, { runs: opts.runs, warmup: opts.warmup });
  } finally {
    await store.close();
  }
  log(`${engine}: measuring size`);
  const s = await sizes();
  const size = sizeReport(fleet, engine === 'sqlite' ? s.fileBytes : s.totalBytes, s.tables);
  size.detail = s;
  const fillDevices = Math.min(FILL_DEVICES, opts.devices);
  log(`${engine}: key order vs time order of ${fillDevices} devices' hour rollups`);
  size.fill =
    engine === 'sqlite'
      ? await sqliteFillCheck(sqliteMods, join(workDir, 'fill.db'), fleet, fillDevices)
      : await pgEngine.pgFillCheck(pgMods, values.pg, pgSchema, fleet, fillDevices);
  log(
    `  bytes/row ${size.fill.key_order.bytesPerRow.toFixed(1)} (key order) vs ${size.fill.time_order.bytesPerRow.toFixed(1)} (time order)`,
  );
  if (engine === 'sqlite') {
    for (const ext of ['', '-wal', '-shm']) rmSync(join(workDir, `fill.db${ext}`), { force: true });
  }
  if (!values.keep) {
    cleanups.splice(cleanups.indexOf(drop), 1);
    await drop();
  }
  return {
    generated: { ...expected, loaded, generateSeconds, minuteDevices: fleet.minuteNums.length },
    queries,
    size,
  };
}

const result = {
  bench: 'storage',
  date: new Date().toISOString(),
  machine,
  options: { ...opts, engines, pgConcurrency, only: values.only || 'both' },
  engines: [],
};
try {
  for (const engine of engines) {
    const e = { engine };
    if (doIngest) e.ingest = await ingestPart(engine);
    if (doQueries) Object.assign(e, await queryPart(engine));
    result.engines.push(e);
  }
} finally {
  await cleanup();
}
result.machine.loadavgEnd = loadavg()[0];
console.log(JSON.stringify(result));
process.stderr.write(`\n${markdown(result)}\n`);
