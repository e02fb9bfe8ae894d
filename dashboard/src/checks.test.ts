import { describe, expect, it } from 'vitest';
import {
  applyCheckRequested,
  applyCommandResult,
  checkPhase,
  isActive,
  latestRun,
  STALE_AFTER_MS,
} from './checks.js';

const T = 1_000_000;
const probe = {
  kind: 'probe' as const,
  probeId: 'standesamt',
  app: 'Standesamt',
  probeKind: 'http' as const,
  target: 'https://standesamt.example/health',
  ok: true,
  errorClass: null,
  phases: { dnsMs: 2, connectMs: 8, tlsMs: 20, ttfbMs: 60, totalMs: 65 },
};
const result = (status: 'running' | 'done' | 'failed', at: number, results = [] as (typeof probe)[]) => ({
  deviceId: 'dev-1',
  commandId: 'cmd_1',
  status,
  results,
  at,
});

describe('"check now" runs', () => {
  it('goes from sent to running to done and keeps every result', () => {
    let checks = applyCheckRequested(
      new Map(),
      {
        type: 'checkRequested',
        deviceId: 'dev-1',
        commandId: 'cmd_1',
        delivered: true,
        expiresAt: T + 900_000,
      },
      T,
    );
    expect(checks.get('cmd_1')).toMatchObject({ status: 'sent', startedAt: T, results: [] });
    checks = applyCommandResult(checks, result('running', T + 100), T + 100);
    checks = applyCommandResult(checks, result('done', T + 600, [probe]), T + 600);
    expect(checks.get('cmd_1')).toMatchObject({ status: 'done', updatedAt: T + 600, results: [probe] });
  });

  it('keeps results that arrived before the answer to the request', () => {
    // a fast agent answers before the POST response is read
    let checks = applyCommandResult(new Map(), result('done', T + 50, [probe]), T + 50);
    checks = applyCheckRequested(
      checks,
      {
        type: 'checkRequested',
        deviceId: 'dev-1',
        commandId: 'cmd_1',
        delivered: true,
        expiresAt: T + 900_000,
      },
      T + 80,
    );
    expect(checks.get('cmd_1')).toMatchObject({ status: 'done', results: [probe], expiresAt: T + 900_000 });
  });

  it('never goes back from done to running', () => {
    let checks = applyCommandResult(new Map(), result('done', T, [probe]), T);
    checks = applyCommandResult(checks, result('running', T + 10), T + 10);
    expect(checks.get('cmd_1')?.status).toBe('done');
  });

  it('reads a queued run as expired once its time is up, and a silent run as stale', () => {
    const queued = applyCheckRequested(
      new Map(),
      {
        type: 'checkRequested',
        deviceId: 'dev-1',
        commandId: 'cmd_1',
        delivered: false,
        expiresAt: T + 1000,
      },
      T,
    ).get('cmd_1')!;
    expect(checkPhase(queued, T + 999)).toBe('queued');
    expect(isActive(queued, T + 999)).toBe(true);
    expect(checkPhase(queued, T + 1000)).toBe('expired');
    expect(isActive(queued, T + 1000)).toBe(false);

    const running = applyCommandResult(new Map(), result('running', T), T).get('cmd_1')!;
    expect(isActive(running, T + STALE_AFTER_MS)).toBe(true);
    expect(checkPhase(running, T + STALE_AFTER_MS + 1)).toBe('stale');
    expect(isActive(null, T)).toBe(false);
  });

  it('finds the newest run of a device', () => {
    let checks = applyCommandResult(new Map(), result('done', T), T);
    checks = applyCommandResult(checks, { ...result('running', T + 5000), commandId: 'cmd_2' }, T + 5000);
    checks = applyCommandResult(
      checks,
      { ...result('running', T + 9000), commandId: 'cmd_3', deviceId: 'dev-2' },
      T,
    );
    expect(latestRun(checks, 'dev-1')?.commandId).toBe('cmd_2');
    expect(latestRun(checks, 'dev-9')).toBeNull();
  });
});
