import type { LiveCommandResult, ObservationData } from '@lagebild/shared';

/** How far a "check now" run got, as the device page shows it. */
export type CheckStatus = 'queued' | 'sent' | 'running' | 'done' | 'failed';

/** One "check now" run of a device: what was asked and every result that arrived for it. */
export interface CheckRun {
  commandId: string;
  deviceId: string;
  status: CheckStatus;
  /** server time the run was asked for here, or first heard of (a colleague's run) */
  startedAt: number;
  /** server time of the last news */
  updatedAt: number;
  /** until when a queued run waits for the device; null when not known */
  expiresAt: number | null;
  results: ObservationData[];
  /** what the agent said, e.g. why it failed */
  message: string | null;
}

/** The answer to POST /api/v1/devices/:id/checks, as a store action. */
export interface CheckRequested {
  type: 'checkRequested';
  deviceId: string;
  commandId: string;
  /** false: the device is offline and the check waits until it connects */
  delivered: boolean;
  expiresAt: number;
}

const RANK: Record<CheckStatus, number> = { queued: 0, sent: 1, running: 2, done: 3, failed: 3 };

/** A run that got no news for this long is no longer treated as running (the agent went away). */
export const STALE_AFTER_MS = 60_000;

/**
 * Adds a live result to the runs. Results are appended (an agent may send them in several messages);
 * a status never goes back, so a late `running` after `done` changes nothing.
 */
export function applyCommandResult(
  checks: ReadonlyMap<string, CheckRun>,
  result: Pick<LiveCommandResult, 'deviceId' | 'commandId' | 'status' | 'results' | 'message' | 'at'>,
  serverNow: number,
): ReadonlyMap<string, CheckRun> {
  const prev = checks.get(result.commandId);
  const at = Number.isFinite(result.at) ? result.at : serverNow;
  const run: CheckRun = prev
    ? { ...prev }
    : {
        commandId: result.commandId,
        deviceId: result.deviceId,
        status: 'running',
        startedAt: at,
        updatedAt: at,
        expiresAt: null,
        results: [],
        message: null,
      };
  if (RANK[result.status] >= RANK[run.status]) run.status = result.status;
  if (result.results.length > 0) run.results = [...run.results, ...result.results];
  if (result.message !== undefined) run.message = result.message;
  run.updatedAt = Math.max(run.updatedAt, at);
  const next = new Map(checks);
  next.set(run.commandId, run);
  return next;
}

/** Records a run asked for from this page; live results that came before the answer are kept. */
export function applyCheckRequested(
  checks: ReadonlyMap<string, CheckRun>,
  request: CheckRequested,
  serverNow: number,
): ReadonlyMap<string, CheckRun> {
  const prev = checks.get(request.commandId);
  const status: CheckStatus = request.delivered ? 'sent' : 'queued';
  const run: CheckRun = prev
    ? {
        ...prev,
        expiresAt: request.expiresAt,
        status: RANK[prev.status] >= RANK[status] ? prev.status : status,
        startedAt: Math.min(prev.startedAt, serverNow),
      }
    : {
        commandId: request.commandId,
        deviceId: request.deviceId,
        status,
        startedAt: serverNow,
        updatedAt: serverNow,
        expiresAt: request.expiresAt,
        results: [],
        message: null,
      };
  const next = new Map(checks);
  next.set(run.commandId, run);
  return next;
}

/** The newest run of a device, or null. */
export function latestRun(checks: ReadonlyMap<string, CheckRun>, deviceId: string): CheckRun | null {
  let latest: CheckRun | null = null;
  for (const run of checks.values())
    if (run.deviceId === deviceId && (!latest || run.startedAt >= latest.startedAt)) latest = run;
  return latest;
}

/** What the page says about a run at `serverNow`: a queued run past its expiry has expired. */
export type CheckPhase = CheckStatus | 'expired' | 'stale';

export function checkPhase(run: CheckRun, serverNow: number): CheckPhase {
  if (run.status === 'queued' && run.expiresAt !== null && serverNow >= run.expiresAt) return 'expired';
  if ((run.status === 'sent' || run.status === 'running') && serverNow - run.updatedAt > STALE_AFTER_MS)
    return 'stale';
  return run.status;
}

/** Whether the "check now" button waits for this run. */
export function isActive(run: CheckRun | null, serverNow: number): boolean {
  if (!run) return false;
  const phase = checkPhase(run, serverNow);
  return phase === 'queued' || phase === 'sent' || phase === 'running';
}
