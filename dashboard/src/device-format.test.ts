import type { DeviceEvent, LatencyStats, StatsPoint } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import {
  compareColumns,
  formatAgo,
  formatDuration,
  formatMegabytes,
  formatRemaining,
  formatSignal,
  formatSince,
  groupTimeline,
} from './device-format.js';

const MIN = 60_000;
// 28 Nov 2026, 10:15 in Berlin (UTC+1)
const NOW = Date.UTC(2026, 10, 28, 9, 15);

describe('durations and relative times', () => {
  it('says how long a state has held in German with abbreviated units', () => {
    expect(formatSince(NOW - 12 * MIN, NOW, 'de')).toBe('seit 12 Min.');
    expect(formatSince(NOW - 30_000, NOW, 'de')).toBe('seit < 1 Min.');
    expect(formatSince(NOW - (3 * 60 + 5) * MIN, NOW, 'de')).toBe('seit 3 Std. 5 Min.');
    expect(formatSince(NOW - 26 * 60 * MIN, NOW, 'de')).toBe('seit 1 Tg. 2 Std.');
    expect(formatSince(NOW - 12 * MIN, NOW, 'en')).toBe('for 12 min');
  });

  it('shows a dash for an unknown time', () => {
    expect(formatSince(null, NOW, 'de')).toBe('–');
    expect(formatAgo(undefined, NOW, 'de')).toBe('–');
  });

  it('says how long ago something was, "gerade eben" within the minute', () => {
    expect(formatAgo(NOW - 20_000, NOW, 'de')).toBe('gerade eben');
    expect(formatAgo(NOW - 5 * MIN, NOW, 'de')).toBe('vor 5 Min.');
    expect(formatAgo(NOW - 5 * MIN, NOW, 'en')).toBe('5 min ago');
    // a clock slightly ahead on the server never reads as the future
    expect(formatAgo(NOW + 5000, NOW, 'de')).toBe('gerade eben');
  });

  it('rounds long durations to what people need', () => {
    expect(formatDuration(11 * 60 * MIN + 59 * MIN, 'de')).toBe('11 Std.');
    expect(formatDuration(12 * 24 * 60 * MIN, 'de')).toBe('12 Tg.');
    expect(formatDuration(1_234 * 24 * 60 * MIN, 'de')).toBe('1.234 Tg.');
    expect(formatRemaining(NOW + 14 * MIN + 30_000, NOW, 'de')).toBe('noch 14 Min.');
  });
});

describe('units', () => {
  it('shows Wi-Fi signal as percent and dBm with German number formatting', () => {
    expect(formatSignal(72, -58, 'de')).toBe('72\u00a0% (−58 dBm)');
    expect(formatSignal(72, null, 'en')).toBe('72%');
    expect(formatSignal(null, -71, 'de')).toBe('−71 dBm');
    expect(formatSignal(null, undefined, 'de')).toBe('–');
  });

  it('shows memory sizes in MB or GB', () => {
    expect(formatMegabytes(16_384, 'de')).toBe('16 GB');
    expect(formatMegabytes(8_192 - 512, 'de')).toBe('7,5 GB');
    expect(formatMegabytes(512, 'de')).toBe('512 MB');
    expect(formatMegabytes(null, 'de')).toBe('–');
  });
});

const event = (ts: number, kind = 'vpn'): DeviceEvent => ({ ts, kind, from: 'up', to: 'down', detail: null });

describe('the timeline', () => {
  it('lists events newest first, grouped by their day in Berlin', () => {
    const days = groupTimeline(
      [
        event(Date.UTC(2026, 10, 27, 22, 30)), // 23:30 on the 27th in Berlin
        event(NOW - MIN),
        event(Date.UTC(2026, 10, 27, 23, 30), 'online'), // 00:30 on the 28th in Berlin
        event(Date.UTC(2026, 10, 25, 8, 0), 'securityKey'),
      ],
      NOW,
      'de',
    );
    expect(days.map((d) => [d.day, d.label, d.events.length])).toEqual([
      ['2026-11-28', 'Heute', 2],
      ['2026-11-27', 'Gestern', 1],
      ['2026-11-25', 'Mittwoch, 25.11.2026', 1],
    ]);
    expect(days[0]!.events.map((e) => e.kind)).toEqual(['vpn', 'online']);
  });

  it('names the days in English when asked', () => {
    const days = groupTimeline([event(NOW), event(Date.UTC(2026, 10, 20, 12))], NOW, 'en');
    expect(days.map((d) => d.label)).toEqual(['Today', 'Friday, 20/11/2026']);
  });

  it('is empty without events', () => {
    expect(groupTimeline([], NOW, 'de')).toEqual([]);
  });
});

const point = (t: number, p50Ms: number | null): StatsPoint => ({
  t,
  count: 1,
  errors: 0,
  p50Ms,
  p95Ms: p50Ms,
  p99Ms: p50Ms,
  avgMs: p50Ms,
  minMs: p50Ms,
  maxMs: p50Ms,
});

const stats = (groupBy: 'device' | 'all', series: LatencyStats['series']): LatencyStats => ({
  groupBy,
  from: 0,
  to: 4 * MIN,
  bucketSec: 60,
  resolution: 'minute',
  series,
});

describe('device against fleet', () => {
  it('lays both medians over every bucket of the range, gaps as null', () => {
    const device = stats('device', [
      { app: 'Standesamt', group: 'dev-1', points: [point(MIN, 120), point(3 * MIN, 90)] },
    ]);
    const fleet = stats('all', [
      { app: 'Standesamt', group: '', points: [point(0, 40), point(MIN, 45), point(3 * MIN, 50)] },
      { app: 'Bauportal', group: '', points: [point(0, 300)] },
    ]);
    expect(compareColumns(device, fleet)).toEqual([
      { app: 'Standesamt', xs: [0, 60, 120, 180], device: [null, 120, null, 90], fleet: [40, 45, null, 50] },
    ]);
  });

  it('includes Fachverfahren the device probes but has no rollups for yet, sorted by name', () => {
    const device = stats('device', [{ app: 'Standesamt', group: 'dev-1', points: [] }]);
    const fleet = stats('all', [{ app: 'Bauportal', group: '', points: [point(0, 300)] }]);
    const cols = compareColumns(device, fleet, ['Bauportal']);
    expect(cols.map((c) => c.app)).toEqual(['Bauportal', 'Standesamt']);
    expect(cols[0]!.fleet).toEqual([300, null, null, null]);
    expect(cols[0]!.device).toEqual([null, null, null, null]);
  });
});
