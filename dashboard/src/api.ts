import type { AppLatency, DeviceDetail } from '@lagebild/shared';

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
