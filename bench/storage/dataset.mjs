// The synthetic fleet and its history, defined by deterministic functions so that both engines get
// exactly the same rows. Row generators yield arrays in the column order of TABLE_COLUMNS (the
// SQLite names; the PostgreSQL engine uses the same ones).
//
// Activity: notebooks work on weekdays (Mon–Fri, UTC), 90 % of devices on a given weekday, 9 hours
// from 06, 07 or 08 UTC; 8 Fachverfahren probed once a minute while working.

import { createCellPools } from './histograms.mjs';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WORK_HOURS = 9;
export const PRESENCE_PCT = 90;
/** minute rollups and raw samples exist only this far back (the engines' default retention) */
export const MINUTE_DAYS = 14;
export const RAW_DAYS = 2;

export const APPS = [
  { probeId: 'ewo', name: 'Einwohnerwesen', medianMs: 180, sigma: 0.45, errorRate: 0.004 },
  { probeId: 'kfz', name: 'KFZ-Zulassung', medianMs: 240, sigma: 0.5, errorRate: 0.006 },
  { probeId: 'gewerbe', name: 'Gewerbeamt', medianMs: 150, sigma: 0.4, errorRate: 0.003 },
  { probeId: 'sozial', name: 'Sozialleistungen', medianMs: 320, sigma: 0.55, errorRate: 0.008 },
  { probeId: 'bau', name: 'Bauportal', medianMs: 410, sigma: 0.5, errorRate: 0.005 },
  { probeId: 'kasse', name: 'Kassenverfahren', medianMs: 520, sigma: 0.6, errorRate: 0.01 },
  { probeId: 'personal', name: 'Personalwesen', medianMs: 280, sigma: 0.45, errorRate: 0.004 },
  { probeId: 'dms', name: 'Dokumentenmanagement', medianMs: 130, sigma: 0.4, errorRate: 0.002 },
].map((a) => ({ ...a, target: `https://${a.probeId}.fachverfahren.stadt.local/login` }));

export const GATEWAYS = Array.from({ length: 8 }, (_, i) => `vpn-gw${i + 1}.stadt.de`);
export const SITES = Array.from({ length: 40 }, (_, i) => `Standort ${String(i + 1).padStart(2, '0')}`);
export const ORG_UNITS = Array.from({ length: 120 }, (_, i) => `OE ${String(i + 1).padStart(3, '0')}`);

/** Group rollups also keep failed runs per error class (JSON) and sums of the phase milestones. */
const GROUP_COLUMNS = [
  'kind',
  'app',
  'grp',
  't',
  'count',
  'errors',
  'sum_ms',
  'min_ms',
  'max_ms',
  'hist',
  'error_classes',
  'dns_sum',
  'dns_n',
  'connect_sum',
  'connect_n',
  'tls_sum',
  'tls_n',
  'ttfb_sum',
  'ttfb_n',
];

/** Failed runs by class: mostly timeouts, some refused connections and wrong status codes. */
function errorClassesJson(errors, r) {
  if (errors === 0) return null;
  const status = Math.floor((errors * (r % 20)) / 100);
  const connect = Math.floor((errors * (20 + (r % 10))) / 100);
  const out = {};
  if (connect > 0) out['connect-timeout'] = connect;
  if (status > 0) out['http-status'] = status;
  if (errors - connect - status > 0) out.timeout = errors - connect - status;
  return JSON.stringify(out);
}

export const TABLE_COLUMNS = {
  devices: [
    'id',
    'hardware_id',
    'token_hash',
    'enrolled_at',
    'hostname',
    'serial',
    'os',
    'os_version',
    'os_build',
    'manufacturer',
    'model',
    'agent_version',
    'online',
    'last_seen',
    'last_seq',
    'vpn_state',
    'vpn_vendor',
    'vpn_interface',
    'vpn_gateway',
    'vpn_addresses',
    'vpn_since',
    'vpn_rtt',
    'vpn_changes',
    'vpn_gateway_reachable',
    'vpn_routes',
    'key_available',
    'key_present',
    'keys_json',
    'capabilities_json',
    'health_json',
    'health_ts',
    'site',
    'org_unit',
    'num',
    'probes_json',
  ],
  events: ['device_id', 'ts', 'kind', 'from_state', 'to_state', 'detail'],
  probe_samples: [
    'device_id',
    'seq',
    'ts',
    'probe_id',
    'app',
    'probe_kind',
    'target',
    'ok',
    'error_class',
    'error_message',
    'status',
    'dns_ms',
    'connect_ms',
    'tls_ms',
    'ttfb_ms',
    'total_ms',
    'cert_expires_at',
  ],
  rollup_device_hour: ['device_num', 'app', 't', 'count', 'errors', 'sum_ms', 'min_ms', 'max_ms', 'hist'],
  rollup_device_minute: ['device_num', 'app', 't', 'count', 'errors', 'sum_ms', 'min_ms', 'max_ms', 'hist'],
  rollup_group_hour: GROUP_COLUMNS,
  rollup_group_minute: GROUP_COLUMNS,
};

/** 32-bit mix of small integers (murmur3 finaliser per input). */
export function hash(...xs) {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

const hex = (n, width) => n.toString(16).padStart(width, '0').slice(-width);

/** Picks an index with weight 1/(i + shift): a few big sites and units, many small ones. */
function skewedPicker(n, shift) {
  const cum = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / (i + shift);
    cum.push(total);
  }
  return (u) => {
    const x = u * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const pickSite = skewedPicker(SITES.length, 3);
const pickUnit = skewedPicker(ORG_UNITS.length, 8);
const unit = (h) => h / 4294967296;

export const GROUP_KINDS = ['all', 'gateway', 'site', 'orgUnit'];

export class Fleet {
  /**
   * @param {{devices: number, days: number, minuteDevices: number, now: number, shared: object}} o
   *   history covers the `days` whole UTC days before the day of `now`
   */
  constructor({ devices, days, minuteDevices, now, shared }) {
    this.devices = devices;
    this.days = days;
    this.now = now;
    this.end = Math.floor(now / DAY_MS) * DAY_MS;
    this.start = this.end - days * DAY_MS;
    this.minuteFromDay = Math.max(0, days - MINUTE_DAYS);
    this.rawFromDay = Math.max(0, days - RAW_DAYS);
    const m = Math.min(minuteDevices, devices);
    this.minuteNums = Array.from({ length: m }, (_, i) => 1 + Math.floor((i * devices) / m));
    this.pools = createCellPools(shared, APPS);
    // groups: index 0 of each kind's list is '' (device has none); 'all' has only ''
    this.groupValues = {
      all: [''],
      gateway: ['', ...GATEWAYS],
      site: ['', ...SITES],
      orgUnit: ['', ...ORG_UNITS],
    };
  }

  /** Stable attributes of device `num` (1-based). */
  device(num) {
    const h = hash(num, 1);
    const gw = hash(num, 2) % 100 < 3 ? null : GATEWAYS[hash(num, 3) % GATEWAYS.length];
    const site = hash(num, 4) % 100 < 1 ? null : SITES[pickSite(unit(hash(num, 5)))];
    const orgUnit = hash(num, 6) % 100 < 1 ? null : ORG_UNITS[pickUnit(unit(hash(num, 7)))];
    return {
      num,
      id: `${hex(h, 8)}-${hex(hash(num, 8), 4)}-4${hex(hash(num, 9), 3)}-a${hex(hash(num, 10), 3)}-${hex(num, 12)}`,
      hardwareId: `hw-${hex(hash(num, 11), 8)}${hex(num, 8)}`,
      hostname: `NB-${String(num).padStart(6, '0')}`,
      serial: `PF${hex(hash(num, 12), 6).toUpperCase()}`,
      gateway: gw,
      site,
      orgUnit,
    };
  }

  dayStart(d) {
    return this.start + d * DAY_MS;
  }

  workday(d) {
    const dow = new Date(this.dayStart(d)).getUTCDay();
    return dow >= 1 && dow <= 5;
  }

  /** UTC hour the device starts working on day d, or -1 when it does not work that day. */
  activeStart(num, d) {
    if (!this.workday(d)) return -1;
    if (hash(num, d, 3) % 100 >= PRESENCE_PCT) return -1;
    return 6 + (hash(num, d, 4) % 3);
  }

  /** The last day (index) the device worked, or -1. */
  lastActiveDay(num) {
    for (let d = this.days - 1; d >= 0; d--) if (this.activeStart(num, d) >= 0) return d;
    return -1;
  }

  /** The newest result of each probe as ingest keeps it in the device row (LatestProbe[] JSON), or null. */
  latestProbesJson(num) {
    const d = this.lastActiveDay(num);
    if (d < 0) return null;
    const s = this.activeStart(num, d);
    const last = WORK_HOURS * 60 - 1;
    const list = APPS.map((app, a) => {
      const c = this.pools.minuteCell(a, hash(num, d, last, a));
      const ok = c.errors === 0;
      const total = ok ? c.sum_ms : 5000;
      const part = (f) => Math.round(total * f * 10) / 10;
      return {
        probeId: app.probeId,
        app: app.name,
        probeKind: 'http',
        target: app.target,
        ts: this.dayStart(d) + (s * 60 + last) * MINUTE_MS + a * 4_000,
        ok,
        errorClass: ok ? null : 'timeout',
        status: ok ? 200 : null,
        phases: ok
          ? { dnsMs: part(0.02), connectMs: part(0.1), tlsMs: part(0.25), ttfbMs: part(0.8), totalMs: total }
          : { totalMs: total },
      };
    });
    list.sort((x, y) => (x.app === y.app ? (x.probeId < y.probeId ? -1 : 1) : x.app < y.app ? -1 : 1));
    return JSON.stringify(list);
  }

  /** Whether the device has raw samples (worked within the raw retention). */
  rawActive(num) {
    for (let d = this.rawFromDay; d < this.days; d++) if (this.activeStart(num, d) >= 0) return true;
    return false;
  }

  /**
   * Devices the detail query rotates through: devices with minute rollups, preferring those with raw
   * samples (a ServiceDesk looks at notebooks that worked recently); {id, num, worked}.
   */
  detailDevices(n = 64) {
    const withRaw = this.minuteNums.filter((num) => this.rawActive(num));
    const pool = withRaw.length >= Math.min(n, this.minuteNums.length) ? withRaw : this.minuteNums;
    const step = Math.max(1, Math.floor(pool.length / n));
    const out = [];
    for (let i = 0; i < pool.length && out.length < n; i += step) {
      out.push({ id: this.device(pool[i]).id, num: pool[i], worked: this.lastActiveDay(pool[i]) >= 0 });
    }
    return out;
  }

  /** Expected row counts per table (for progress and the README). */
  expectedRows() {
    let activeDays = 0;
    let activeMinuteDays = 0;
    let activeRawDays = 0;
    for (let num = 1; num <= this.devices; num++) {
      for (let d = 0; d < this.days; d++) if (this.activeStart(num, d) >= 0) activeDays++;
    }
    for (const num of this.minuteNums) {
      for (let d = this.minuteFromDay; d < this.days; d++) {
        if (this.activeStart(num, d) >= 0) {
          activeMinuteDays++;
          if (d >= this.rawFromDay) activeRawDays++;
        }
      }
    }
    return {
      activeDeviceDays: activeDays,
      activeMinuteDeviceDays: activeMinuteDays,
      activeRawDeviceDays: activeRawDays,
      rollup_device_hour: activeDays * APPS.length * WORK_HOURS,
      rollup_device_minute: activeMinuteDays * APPS.length * WORK_HOURS * 60,
      probe_samples: activeRawDays * APPS.length * WORK_HOURS * 60,
    };
  }

  *devicesRows() {
    const lastDay = this.days - 1;
    for (let num = 1; num <= this.devices; num++) {
      const dev = this.device(num);
      const h = hash(num, 20);
      const online = h % 100 < 55;
      const state = online ? (h % 100 < 2 ? 'degraded' : 'up') : 'down';
      const lastSeen = online ? this.now - (h % 60_000) : this.dayStart(lastDay) + 17 * HOUR_MS;
      const keyPresent = hash(num, 21) % 100 < 60 ? 1 : 0;
      const health = {
        cpuPct: (h % 400) / 10,
        memPct: 40 + (h % 500) / 10,
        memTotalMb: 16384,
        diskFreePct: 20 + (h % 600) / 10,
        batteryPct: 30 + (h % 70),
        onAc: h % 2 === 0,
        charging: false,
        batteryHealthPct: 80 + (h % 200) / 10,
        link: 'wifi',
        wifiSignalPct: 40 + (h % 60),
        wifiSignalDbm: -40 - (h % 40),
        linkSpeedMbps: 866.7,
        uptimeSec: h % 400_000,
        clockOffsetMs: -3.2,
        agentCpuPct: 0.3,
        agentRssMb: 86.2,
      };
      yield [
        dev.id,
        dev.hardwareId,
        hex(hash(num, 30), 8).repeat(8),
        this.start - (hash(num, 31) % 400) * DAY_MS,
        dev.hostname,
        dev.serial,
        'windows',
        '10.0.22631',
        '22631.4460',
        'LENOVO',
        'ThinkPad T14 Gen 4',
        '0.1.0',
        online ? 1 : 0,
        lastSeen,
        1_000_000 + (h % 100_000),
        state,
        dev.gateway ? 'wireguard' : null,
        dev.gateway ? 'wg0' : null,
        dev.gateway,
        JSON.stringify([`10.${8 + (num >> 16)}.${(num >> 8) & 255}.${num & 255}`]),
        lastSeen - 4 * HOUR_MS,
        12 + (h % 30),
        0,
        1,
        JSON.stringify(
          APPS.map((a) => ({
            host: `${a.probeId}.fachverfahren.stadt.local`,
            viaTunnel: true,
            interface: 'wg0',
          })),
        ),
        1,
        keyPresent,
        JSON.stringify(
          keyPresent
            ? [
                {
                  vendor: 'Yubico',
                  product: 'YubiKey 5 NFC',
                  vendorId: 4176,
                  productId: 1031,
                  interfaces: ['FIDO', 'OTP', 'CCID'],
                  model: 'YubiKey 5 NFC',
                },
              ]
            : [],
        ),
        JSON.stringify([
          { name: 'vpn', available: true },
          { name: 'securityKey', available: true },
          { name: 'health', available: true },
          { name: 'probe', available: true },
        ]),
        JSON.stringify(health),
        lastSeen - (h % 60_000),
        dev.site,
        dev.orgUnit,
        num,
        this.latestProbesJson(num),
      ];
    }
  }

  /** Events of one day for every device, in time order (insertion order = time order, as in production). */
  *eventsRows() {
    for (let d = 0; d < this.days; d++) {
      const day = [];
      const t0 = this.dayStart(d);
      for (let num = 1; num <= this.devices; num++) {
        const s = this.activeStart(num, d);
        if (s < 0) continue;
        const dev = this.device(num);
        const begin = t0 + s * HOUR_MS + (hash(num, d, 5) % 600_000);
        const end = begin + WORK_HOURS * HOUR_MS - (hash(num, d, 6) % 900_000);
        const via = dev.gateway ? `wireguard @ ${dev.gateway}` : 'wireguard';
        day.push([dev.id, begin, 'agent', null, 'online', null]);
        day.push([dev.id, begin + 4_000, 'vpn', 'down', 'up', via]);
        if (hash(num, d, 7) % 100 < 60) {
          day.push([dev.id, begin + 120_000, 'securityKey', null, 'inserted', 'YubiKey 5 NFC']);
          day.push([dev.id, end - 300_000, 'securityKey', null, 'removed', 'YubiKey 5 NFC']);
        }
        if (hash(num, d, 8) % 100 < 10) {
          const at = begin + (1 + (hash(num, d, 9) % 7)) * HOUR_MS;
          day.push([dev.id, at, 'vpn', 'up', 'degraded', via]);
          day.push([dev.id, at + 600_000, 'vpn', 'degraded', 'up', via]);
        }
        day.push([dev.id, end - 2_000, 'vpn', 'up', 'down', via]);
        day.push([dev.id, end, 'agent', null, 'offline', 'connection closed']);
      }
      day.sort((a, b) => a[1] - b[1]);
      yield* day;
    }
  }

  /** Hour rollups per (device, app) in primary-key order. */
  *deviceHourRows() {
    const { hourCell } = this.pools;
    for (let num = 1; num <= this.devices; num++) {
      const starts = [];
      for (let d = 0; d < this.days; d++) starts.push(this.activeStart(num, d));
      for (const [a, app] of sortedApps()) {
        for (let d = 0; d < this.days; d++) {
          const s = starts[d];
          if (s < 0) continue;
          const t0 = this.dayStart(d) + s * HOUR_MS;
          for (let h = 0; h < WORK_HOURS; h++) {
            const c = hourCell(a, hash(num, d, h, a));
            yield [num, app.name, t0 + h * HOUR_MS, c.count, c.errors, c.sum_ms, c.min_ms, c.max_ms, c.hist];
          }
        }
      }
    }
  }

  /**
   * The hour rollups of devices 1..n in time order (hour by hour, all devices), the order the rollup
   * job writes them in production; compared with key order it shows how much denser a bulk load packs.
   */
  *deviceHourRowsByTime(n) {
    const { hourCell } = this.pools;
    const apps = sortedApps();
    for (let d = 0; d < this.days; d++) {
      const starts = [];
      for (let num = 1; num <= n; num++) starts.push(this.activeStart(num, d));
      for (let hour = 0; hour < 24; hour++) {
        const t = this.dayStart(d) + hour * HOUR_MS;
        for (let num = 1; num <= n; num++) {
          const s = starts[num - 1];
          if (s < 0 || hour < s || hour >= s + WORK_HOURS) continue;
          for (const [a, app] of apps) {
            const c = hourCell(a, hash(num, d, hour - s, a));
            yield [num, app.name, t, c.count, c.errors, c.sum_ms, c.min_ms, c.max_ms, c.hist];
          }
        }
      }
    }
  }

  /** Minute rollups per (device, app) for the minute devices over the minute retention, key order. */
  *deviceMinuteRows() {
    const { minuteCell } = this.pools;
    for (const num of this.minuteNums) {
      for (const [a, app] of sortedApps()) {
        for (let d = this.minuteFromDay; d < this.days; d++) {
          const s = this.activeStart(num, d);
          if (s < 0) continue;
          const t0 = this.dayStart(d) + s * HOUR_MS;
          for (let m = 0; m < WORK_HOURS * 60; m++) {
            const c = minuteCell(a, hash(num, d, m, a));
            yield [
              num,
              app.name,
              t0 + m * MINUTE_MS,
              c.count,
              c.errors,
              c.sum_ms,
              c.min_ms,
              c.max_ms,
              c.hist,
            ];
          }
        }
      }
    }
  }

  /** Raw samples of the minute devices over the raw retention, in time order (ids grow with time). */
  *rawSampleRows() {
    const { minuteCell } = this.pools;
    const seq = new Map();
    const ids = new Map(this.minuteNums.map((num) => [num, this.device(num).id]));
    for (let d = this.rawFromDay; d < this.days; d++) {
      const starts = this.minuteNums.map((num) => this.activeStart(num, d));
      for (let m = 0; m < 24 * 60; m++) {
        const hour = Math.floor(m / 60);
        for (let i = 0; i < this.minuteNums.length; i++) {
          const s = starts[i];
          if (s < 0 || hour < s || hour >= s + WORK_HOURS) continue;
          const num = this.minuteNums[i];
          const mm = m - s * 60;
          for (let a = 0; a < APPS.length; a++) {
            const app = APPS[a];
            const c = minuteCell(a, hash(num, d, mm, a));
            const n = (seq.get(num) ?? 0) + 1;
            seq.set(num, n);
            const ok = c.errors === 0;
            const total = ok ? c.sum_ms : 5000;
            const part = (f) => (ok ? Math.round(total * f * 10) / 10 : null);
            yield [
              ids.get(num),
              n,
              this.dayStart(d) + m * MINUTE_MS + a * 4_000,
              app.probeId,
              app.name,
              'http',
              app.target,
              ok ? 1 : 0,
              ok ? null : 'timeout',
              ok ? null : 'no answer within 5000 ms',
              ok ? 200 : null,
              part(0.02),
              part(0.1),
              part(0.25),
              part(0.8),
              total,
              1_830_000_000_000,
            ];
          }
        }
      }
    }
  }

  /** Working devices per group, day and hour: counts[kind][(g * days + d) * 24 + h]. */
  groupActivity() {
    if (this._activity) return this._activity;
    const index = {};
    const counts = {};
    for (const kind of GROUP_KINDS) {
      index[kind] = new Map(this.groupValues[kind].map((v, i) => [v, i]));
      counts[kind] = new Int32Array(this.groupValues[kind].length * this.days * 24);
    }
    for (let num = 1; num <= this.devices; num++) {
      const dev = this.device(num);
      const g = {
        all: 0,
        gateway: index.gateway.get(dev.gateway ?? ''),
        site: index.site.get(dev.site ?? ''),
        orgUnit: index.orgUnit.get(dev.orgUnit ?? ''),
      };
      for (let d = 0; d < this.days; d++) {
        const s = this.activeStart(num, d);
        if (s < 0) continue;
        for (const kind of GROUP_KINDS) {
          const base = (g[kind] * this.days + d) * 24;
          for (let h = s; h < s + WORK_HOURS; h++) counts[kind][base + h]++;
        }
      }
    }
    this._activity = counts;
    return counts;
  }

  /** Rollups per (group, app) in primary-key order; minute = true for the minute table (last 14 days). */
  *groupRows(minute) {
    const counts = this.groupActivity();
    const { groupCell } = this.pools;
    const kinds = [...GROUP_KINDS].sort();
    const fromDay = minute ? this.minuteFromDay : 0;
    for (const [ki, kind] of kinds.entries()) {
      const values = this.groupValues[kind].map((v, g) => [g, v]).sort((x, y) => (x[1] < y[1] ? -1 : 1));
      for (const [a, app] of sortedApps()) {
        for (const [g, grp] of values) {
          for (let d = fromDay; d < this.days; d++) {
            for (let h = 0; h < 24; h++) {
              const n = counts[kind][(g * this.days + d) * 24 + h];
              if (n === 0) continue;
              const t0 = this.dayStart(d) + h * HOUR_MS;
              const perBucket = minute ? 60 : 1;
              for (let m = 0; m < perBucket; m++) {
                const runs = minute ? n : n * 60;
                const r = hash(ki, g, d, h * 60 + m, a);
                const errors = Math.floor(runs * app.errorRate + (r % 1000) / 1000);
                const c = groupCell(a, runs, errors, r >>> 10);
                const t = t0 + m * MINUTE_MS;
                const ok = c.count - c.errors;
                // phase milestones as in the raw samples: 2 / 10 / 25 / 80 % of the total time
                yield [
                  kind,
                  app.name,
                  grp,
                  t,
                  c.count,
                  c.errors,
                  c.sum_ms,
                  c.min_ms,
                  c.max_ms,
                  c.hist,
                  errorClassesJson(c.errors, r),
                  c.sum_ms * 0.02,
                  ok,
                  c.sum_ms * 0.1,
                  ok,
                  c.sum_ms * 0.25,
                  ok,
                  c.sum_ms * 0.8,
                  ok,
                ];
              }
            }
          }
        }
      }
    }
  }
}

function sortedApps() {
  // primary-key order of the rollup tables: by app name
  return APPS.map((app, a) => [a, app]).sort((x, y) => (x[1].name < y[1].name ? -1 : 1));
}

/** Tables in load order with their row generators and expected row counts. */
export function historySources(fleet) {
  const expected = fleet.expectedRows();
  return [
    ['devices', () => fleet.devicesRows(), fleet.devices],
    ['events', () => fleet.eventsRows(), null],
    ['rollup_device_hour', () => fleet.deviceHourRows(), expected.rollup_device_hour],
    ['rollup_device_minute', () => fleet.deviceMinuteRows(), expected.rollup_device_minute],
    ['rollup_group_hour', () => fleet.groupRows(false), null],
    ['rollup_group_minute', () => fleet.groupRows(true), null],
    ['probe_samples', () => fleet.rawSampleRows(), expected.probe_samples],
  ];
}
