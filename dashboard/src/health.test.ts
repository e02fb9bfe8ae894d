import { describe, expect, it } from 'vitest';
import { errorRate, healthOf, THRESHOLDS } from './health.js';

describe('the health of a Fachverfahren in a group', () => {
  it('is good when p95 and error rate are both below their warning thresholds', () => {
    expect(healthOf({ count: 1000, errors: 9, p95Ms: 499 })).toBe('good');
  });

  it('turns strained at a p95 of 500 ms or an error rate of 1 %', () => {
    expect(healthOf({ count: 1000, errors: 0, p95Ms: 500 })).toBe('warn');
    expect(healthOf({ count: 1000, errors: 10, p95Ms: 100 })).toBe('warn');
  });

  it('turns failing at a p95 of 1,500 ms or an error rate of 5 %', () => {
    expect(healthOf({ count: 1000, errors: 0, p95Ms: 1500 })).toBe('bad');
    expect(healthOf({ count: 100, errors: 5, p95Ms: 100 })).toBe('bad');
  });

  it('takes the worse of the two judgements', () => {
    expect(healthOf({ count: 100, errors: 6, p95Ms: 600 })).toBe('bad');
    expect(healthOf({ count: 100, errors: 2, p95Ms: 2000 })).toBe('bad');
  });

  it('is failing when every run failed, although there is no p95', () => {
    expect(healthOf({ count: 12, errors: 12, p95Ms: null })).toBe('bad');
  });

  it('is unknown without runs', () => {
    expect(healthOf({ count: 0, errors: 0, p95Ms: null })).toBe('none');
    expect(errorRate(0, 0)).toBeNull();
  });

  it('keeps its thresholds ordered, so "failing" is always worse than "strained"', () => {
    expect(THRESHOLDS.p95Ms.warn).toBeLessThan(THRESHOLDS.p95Ms.bad);
    expect(THRESHOLDS.errorRate.warn).toBeLessThan(THRESHOLDS.errorRate.bad);
  });
});
