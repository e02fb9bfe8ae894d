import { describe, expect, it } from 'vitest';
import { GRID_EMPTY_REFRESH_MS, GRID_REFRESH_MS, gridRefreshDelay } from './grid-refresh.js';

describe('the health grid refresh', () => {
  const t0 = 1_000_000;

  it('fetches at once when new results come a minute or more after the last fetch', () => {
    expect(gridRefreshDelay(t0, t0 + GRID_REFRESH_MS, false)).toBe(0);
    expect(gridRefreshDelay(t0, t0 + 5 * GRID_REFRESH_MS, false)).toBe(0);
  });

  it('waits for the rest of the minute when results come sooner', () => {
    expect(gridRefreshDelay(t0, t0 + 1_000, false)).toBe(GRID_REFRESH_MS - 1_000);
    expect(gridRefreshDelay(t0, t0 + 59_999, false)).toBe(1);
  });

  it('tries again after each rollup period while the grid is still empty', () => {
    expect(gridRefreshDelay(t0, t0 + 1_000, true)).toBe(GRID_EMPTY_REFRESH_MS - 1_000);
    expect(gridRefreshDelay(t0, t0 + GRID_EMPTY_REFRESH_MS, true)).toBe(0);
  });
});
