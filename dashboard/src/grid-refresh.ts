/** At most one refresh a minute while new probe results keep arriving. */
export const GRID_REFRESH_MS = 60_000;
/** Until the first runs are rolled up (a fresh server), try again after each rollup period instead. */
export const GRID_EMPTY_REFRESH_MS = 5_000;

/**
 * How long after new probe results the health grid fetches again: at once when the last fetch is
 * long enough ago, otherwise at the end of the gap (so a steady stream of results costs one fetch a
 * minute, and the last results of a burst are not missed).
 */
export function gridRefreshDelay(lastFetchAt: number, now: number, gridEmpty: boolean): number {
  const gap = gridEmpty ? GRID_EMPTY_REFRESH_MS : GRID_REFRESH_MS;
  return Math.max(0, lastFetchAt + gap - now);
}
