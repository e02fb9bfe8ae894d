import type { AppLatency } from '@lagebild/shared';
import type { FleetMetrics } from './store.js';

// Rows of the chart and /metrics queries as both engines select them, and their mapping to the API.

/** One application's time bucket of the dashboard chart, summed from the fleet rollups. */
export interface LatencyRow {
  app: string;
  t: number;
  count: number;
  errors: number;
  sum_ms: number;
  max_ms: number | null;
}

/** Device and key counts of the whole fleet. */
export interface FleetRow {
  devices: number;
  online: number;
  present: number;
  absent: number;
}

/** Chart series from rows ordered by app and t. */
export function toAppLatency(rows: Iterable<LatencyRow>, bucketSec: number): AppLatency {
  const apps: AppLatency['apps'] = [];
  for (const r of rows) {
    let entry = apps[apps.length - 1];
    if (!entry || entry.app !== r.app) {
      entry = { app: r.app, points: [] };
      apps.push(entry);
    }
    const answered = r.count - r.errors;
    entry.points.push({
      t: r.t,
      count: r.count,
      errors: r.errors,
      avgMs: answered > 0 ? r.sum_ms / answered : null,
      maxMs: r.max_ms,
    });
  }
  return { bucketSec, apps };
}

export function toFleetMetrics(f: FleetRow, vpn: FleetMetrics['vpn']): FleetMetrics {
  return {
    devices: f.devices,
    online: f.online,
    vpn,
    securityKey: { present: f.present, absent: f.absent, unknown: f.devices - f.present - f.absent },
  };
}
