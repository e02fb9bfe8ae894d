/**
 * When a Fachverfahren counts as healthy, strained or failing: the one place for the thresholds the
 * health grid, the Fachverfahren tables and their legends use.
 */
export type Health = 'good' | 'warn' | 'bad' | 'none';

/** p95 response time (ms) and error rate (share of runs, 0–1) from which a cell is strained / failing. */
export const THRESHOLDS = {
  p95Ms: { warn: 500, bad: 1500 },
  errorRate: { warn: 0.01, bad: 0.05 },
} as const;

/** What the health of a Fachverfahren in a group is judged on. */
export interface HealthInput {
  /** probe runs, failed ones included */
  count: number;
  errors: number;
  /** null when no run answered */
  p95Ms: number | null;
}

const RANK: Record<Health, number> = { none: 0, good: 1, warn: 2, bad: 3 };

function worse(a: Health, b: Health): Health {
  return RANK[a] >= RANK[b] ? a : b;
}

function level(value: number, limits: { warn: number; bad: number }): Health {
  if (value >= limits.bad) return 'bad';
  if (value >= limits.warn) return 'warn';
  return 'good';
}

/** Errors as a share of runs (0–1); null without runs. */
export function errorRate(count: number, errors: number): number | null {
  return count > 0 ? errors / count : null;
}

/**
 * The worse of the two judgements: p95 against its thresholds and the error rate against its. No runs
 * at all is `none`; runs that all failed (no p95) are `bad` by their error rate.
 */
export function healthOf({ count, errors, p95Ms }: HealthInput): Health {
  if (count <= 0) return 'none';
  const byErrors = level(errors / count, THRESHOLDS.errorRate);
  const byLatency = p95Ms === null ? 'good' : level(p95Ms, THRESHOLDS.p95Ms);
  return worse(byErrors, byLatency);
}
