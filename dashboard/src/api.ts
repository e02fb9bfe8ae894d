import type {
  AppLatency,
  DeviceDetail,
  DeviceList,
  GroupKind,
  Intervals,
  LatencyStats,
  ProbeConfig,
  ProbeData,
} from '@lagebild/shared';

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

/** The answer to POST /api/v1/devices/:id/checks. */
export interface CheckSent {
  commandId: string;
  /** false: the device is offline and the check waits until it connects or expires */
  delivered: boolean;
  expiresAt: number;
}

/** POST /api/v1/devices/:id/checks: asks the device to run the full check now (queued while offline). */
export async function requestCheck(
  deviceId: string,
  ttlSec: number,
  signal?: AbortSignal,
): Promise<CheckSent> {
  const res = await fetch(`/api/v1/devices/${encodeURIComponent(deviceId)}/checks`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ check: 'checkNow', ttlSec }),
    signal,
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { code?: unknown; message?: unknown } | null;
    const code = typeof body?.code === 'string' ? body.code : null;
    throw new ApiError(
      res.status,
      code,
      typeof body?.message === 'string' ? body.message : `HTTP ${res.status}`,
    );
  }
  return (await res.json()) as CheckSent;
}

// ---- settings (admins only) ----

async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    const answer = (await res.json().catch(() => null)) as { code?: unknown; message?: unknown } | null;
    const code = typeof answer?.code === 'string' ? answer.code : null;
    const message = typeof answer?.message === 'string' ? answer.message : `HTTP ${res.status}`;
    throw new ApiError(res.status, code, message);
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** The probe targets and intervals every agent runs with. */
export interface ProbeConfigView {
  version: number;
  probes: ProbeConfig[];
  intervals: Intervals;
}

export function fetchProbeConfig(signal?: AbortSignal): Promise<ProbeConfigView> {
  return getJson('/api/v1/config/probes', signal);
}

/** PUT /api/v1/config/probes: replaces every probe target (intervals are kept). */
export function saveProbes(probes: unknown[]): Promise<ProbeConfigView> {
  return sendJson('PUT', '/api/v1/config/probes', { probes });
}

/** One probe run from the server (not from a notebook). */
export interface ProbePreview {
  ranAt: number;
  from: 'server';
  result: ProbeData;
}

export function previewProbe(probe: unknown): Promise<ProbePreview> {
  return sendJson('POST', '/api/v1/config/probes/preview', probe);
}

export interface EnrollSecretView {
  id: string;
  label: string;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  uses: number;
}

export function fetchEnrollSecrets(signal?: AbortSignal): Promise<{ secrets: EnrollSecretView[] }> {
  return getJson('/api/v1/enroll-secrets', signal);
}

/** Creates a secret; the answer is the only time the secret itself is shown. */
export function createEnrollSecret(label: string): Promise<EnrollSecretView & { secret: string }> {
  return sendJson('POST', '/api/v1/enroll-secrets', { label });
}

export function revokeEnrollSecret(id: string): Promise<void> {
  return sendJson('DELETE', `/api/v1/enroll-secrets/${encodeURIComponent(id)}`);
}

export type UserRole = 'admin' | 'servicedesk' | 'viewer' | 'datenschutz';

export interface UserView {
  id: number;
  name: string;
  role: UserRole;
  createdAt: number;
}

export function fetchUsers(signal?: AbortSignal): Promise<{ users: UserView[] }> {
  return getJson('/api/v1/users', signal);
}

export function createUser(user: { name: string; role: UserRole; password: string }): Promise<UserView> {
  return sendJson('POST', '/api/v1/users', user);
}

export function changeUserRole(name: string, role: UserRole): Promise<UserView> {
  return sendJson('PATCH', `/api/v1/users/${encodeURIComponent(name)}`, { role });
}

export function resetUserPassword(name: string, password: string): Promise<void> {
  return sendJson('PUT', `/api/v1/users/${encodeURIComponent(name)}/password`, { password });
}

export function removeUser(name: string): Promise<void> {
  return sendJson('DELETE', `/api/v1/users/${encodeURIComponent(name)}`);
}

/** What the server options set (read-only on the page). */
export interface ServerSettings {
  retention: { rawMs: number; minuteMs: number; hourMs: number; eventsMs: number };
  sessions: { idleMs: number; absoluteMs: number };
  retentionIntervalMs: number;
}

export function fetchSettings(signal?: AbortSignal): Promise<ServerSettings> {
  return getJson('/api/v1/settings', signal);
}
