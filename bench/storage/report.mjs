// Sizes per device-day, the steady-state projection and the markdown tables for bench/README.md.

import { MINUTE_DAYS } from './dataset.mjs';

const GB = 1024 ** 3;

/**
 * Per table: how many calendar device-days its generated rows stand for, and the default retention.
 * The minute rollups and raw samples exist only for the minute devices' last 14 and 2 days; their
 * working days are scaled by the share of working device-days over the whole history, so that every
 * table is averaged over the same mix of weekdays, weekends and absences.
 */
function scope(fleet) {
  const e = fleet.expectedRows();
  const working = e.activeDeviceDays / (fleet.devices * fleet.days);
  return {
    events: [fleet.devices * fleet.days, 90],
    rollup_device_hour: [fleet.devices * fleet.days, 400],
    rollup_device_minute: [e.activeMinuteDeviceDays / working, 14],
    probe_samples: [e.activeRawDeviceDays / working, 2],
    rollup_group_hour: [fleet.devices * fleet.days, 400],
    rollup_group_minute: [fleet.devices * Math.min(fleet.days, MINUTE_DAYS), 14],
  };
}

/**
 * tables: {name: {bytes, rows}} (bytes incl. indexes). Bytes per device-day = what one (calendar) day
 * of one device adds to a table, averaged over the generated days (weekends and absences included);
 * group rollups are shared by the fleet and divided by its size.
 */
export function sizeReport(fleet, totalBytes, tables) {
  const sc = scope(fleet);
  const perTable = {};
  let perDeviceDay = 0;
  let steady = 0;
  for (const [name, t] of Object.entries(tables)) {
    const s = sc[name];
    const entry = { bytes: t.bytes, rows: t.rows, bytesPerRow: t.rows ? t.bytes / t.rows : null };
    if (s) {
      entry.bytesPerDeviceDay = s[0] > 0 ? t.bytes / s[0] : 0;
      entry.retentionDays = s[1];
      entry.steadyBytes = entry.bytesPerDeviceDay * fleet.devices * s[1];
      perDeviceDay += entry.bytesPerDeviceDay;
    } else {
      // devices (current state) and small tables: kept as they are
      entry.steadyBytes = t.bytes;
    }
    steady += entry.steadyBytes;
    perTable[name] = entry;
  }
  return {
    totalBytes,
    deviceDays: fleet.devices * fleet.days,
    measuredBytesPerDeviceDay: totalBytes / (fleet.devices * fleet.days),
    addedBytesPerDeviceDay: perDeviceDay,
    steadyStateBytes: steady,
    perTable,
  };
}

const f1 = (x) => (x === null || x === undefined ? '–' : x.toFixed(1));
const int = (x) => Math.round(x).toLocaleString('en');
const gb = (x) => `${(x / GB).toFixed(2)} GiB`;

export function markdown(result) {
  const out = [];
  const q = result.engines.filter((e) => e.queries);
  if (q.length > 0) {
    out.push('| Engine | Query | median ms | p95 ms | target ms | store calls (mean ms) |');
    out.push('| ------ | ----- | --------- | ------ | --------- | --------------------- |');
    for (const e of q) {
      for (const r of e.queries) {
        const ok = r.median <= r.targetMs && r.p95 <= r.targetMs ? '' : ' ✗';
        const parts = Object.entries(r.partsMeanMs)
          .map(([k, v]) => `${k} ${f1(v)}`)
          .join(', ');
        out.push(
          `| ${e.engine} | ${r.name} | ${f1(r.median)}${ok} | ${f1(r.p95)} | ${r.targetMs} | ${parts} |`,
        );
      }
    }
    out.push('');
  }
  const ing = result.engines.flatMap((e) => (e.ingest ?? []).map((i) => ({ engine: e.engine, ...i })));
  if (ing.length > 0) {
    out.push(
      '| Engine | parallel batches | store observations/s | store samples/s | bare rows/s | store ÷ bare | rollup samples/s |',
    );
    out.push(
      '| ------ | ---------------- | -------------------- | --------------- | ----------- | ------------ | ---------------- |',
    );
    for (const i of ing) {
      out.push(
        `| ${i.engine} | ${i.concurrency} | ${int(i.storeObservationsPerSec)} | ${int(i.storeSamplesPerSec)} | ` +
          `${int(i.bareRowsPerSec)} | ${(i.ratio * 100).toFixed(1)} % | ${int(i.rollup.samplesPerSec)} |`,
      );
    }
    out.push('');
  }
  const sz = result.engines.filter((e) => e.size);
  if (sz.length > 0) {
    out.push(
      '| Engine | size of the generated data | per device-day (measured) | added per device-day | steady state at default retention | hour rollups: time order ÷ key order |',
    );
    out.push(
      '| ------ | -------------------------- | ------------------------- | -------------------- | --------------------------------- | ------------------------------------ |',
    );
    for (const e of sz) {
      const s = e.size;
      const fill = s.fill
        ? `${s.fill.ratio.toFixed(2)} (${f1(s.fill.time_order.bytesPerRow)} vs ${f1(s.fill.key_order.bytesPerRow)} B/row)`
        : '–';
      out.push(
        `| ${e.engine} | ${gb(s.totalBytes)} | ${int(s.measuredBytesPerDeviceDay)} B | ${int(s.addedBytesPerDeviceDay)} B | ${gb(s.steadyStateBytes)} | ${fill} |`,
      );
    }
    out.push('');
    out.push(
      '| Engine | table | rows | size | bytes/row | bytes per device-day | retention | steady state |',
    );
    out.push(
      '| ------ | ----- | ---- | ---- | --------- | -------------------- | --------- | ------------ |',
    );
    for (const e of sz) {
      for (const [name, t] of Object.entries(e.size.perTable)) {
        if (t.bytes < 1024 * 1024 && !t.retentionDays) continue;
        out.push(
          `| ${e.engine} | ${name} | ${t.rows === null ? '–' : int(t.rows)} | ${gb(t.bytes)} | ${t.bytesPerRow ? f1(t.bytesPerRow) : '–'} | ` +
            `${t.bytesPerDeviceDay === undefined ? '–' : f1(t.bytesPerDeviceDay)} | ${t.retentionDays ? `${t.retentionDays} d` : '–'} | ${gb(t.steadyBytes)} |`,
        );
      }
    }
  }
  return out.join('\n');
}
