import type { AppLatency, DeviceDetail, DeviceList, GroupKind, LatencyStats } from '@lagebild/shared';

/** A REST call that did not return 2xx; `code` is the server's LB_ERR_* code when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, signal });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { code?: unknown; message?: unknown } | null;
    const code = typeof body?.code === 'string' ? body.code : null;
    const message = typeof body?.message === 'string' ? body.message : `HTTP ${res.status}`;
    throw new ApiError(res.status, code, message);
  }
  return (await res.json()) as T;
}

/** GET /api/v1/apps/latency: per-application latency buckets for the chart. */
export function fetchLatency(minutes: number, bucketSec: number, signal?: AbortSignal): Promise<AppLatency> {
  return getJson(`/api/v1/apps/latency?minutes=${minutes}&bucketSec=${bucketSec}`, signal);
}

/** GET /api/v1/devices/:id: one device in detail. */
export function fetchDevice(id: string, signal?: AbortSignal): Promise<DeviceDetail> {
  return getJson(`/api/v1/devices/${encodeURIComponent(id)}`, signal);
}

/** GET /api/v1/devices: one page of devices whose hostname or serial contains `q`, with the total. */
export function fetchDevices(
  query: { q: string; limit: number; offset: number },
  signal?: AbortSignal,
): Promise<DeviceList> {
  const qs = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset) });
  const q = query.q.trim();
  if (q) qs.set('q', q);
  return getJson(`/api/v1/devices?${qs}`, signal);
}

/** What GET /api/v1/apps/stats is asked: range ending now, buckets (0 = totals), grouping, filters. */
export interface StatsParams {
  minutes: number;
  bucketSec?: number;
  groupBy?: GroupKind;
  apps?: string[];
  groups?: string[];
}

/** The query string of a statistics request; several apps or groups are repeated parameters. */
export function statsQueryString(p: StatsParams): string {
  const qs = new URLSearchParams({ minutes: String(p.minutes), bucketSec: String(p.bucketSec ?? 0) });
  if (p.groupBy && p.groupBy !== 'all') qs.set('groupBy', p.groupBy);
  for (const app of p.apps ?? []) qs.append('app', app);
  for (const group of p.groups ?? []) qs.append('group', group);
  return qs.toString();
}

/** GET /api/v1/apps/stats: percentiles per Fachverfahren and group, from rollups. */
export function fetchStats(params: StatsParams, signal?: AbortSignal): Promise<LatencyStats> {
  return getJson(`/api/v1/apps/stats?${statsQueryString(params)}`, signal);
}
