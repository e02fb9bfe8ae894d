import { describe, expect, it } from 'vitest';
import { matchesQuery, PAGE_SIZE, pageOf, toggleSort, visibleDevices } from './device-list.js';
import { device } from './testing.js';

const fleet = [
  device('1', { hostname: 'NB-10', serial: '5CG0010', online: true }),
  device('2', { hostname: 'nb-2', serial: '5CG0002', online: false }),
  device('3', { hostname: 'NB-3', serial: 'PF3XYZ', online: true }),
  device('4', { hostname: 'KFZ-01', serial: '5CG0100', online: false }),
];

const hostnames = (list: { hostname: string }[]) => list.map((d) => d.hostname);

describe('the device list', () => {
  it('filters by hostname or serial, ignoring case and surrounding spaces', () => {
    expect(hostnames(visibleDevices(fleet, ' nb-1', { key: 'hostname', dir: 'asc' }))).toEqual(['NB-10']);
    expect(hostnames(visibleDevices(fleet, 'pf3', { key: 'hostname', dir: 'asc' }))).toEqual(['NB-3']);
    expect(hostnames(visibleDevices(fleet, '5cg01', { key: 'hostname', dir: 'asc' }))).toEqual(['KFZ-01']);
    expect(visibleDevices(fleet, 'does-not-exist', { key: 'hostname', dir: 'asc' })).toEqual([]);
  });

  it('shows every device for an empty filter', () => {
    expect(visibleDevices(fleet, '   ', { key: 'hostname', dir: 'asc' })).toHaveLength(4);
    expect(matchesQuery(fleet[0]!, '')).toBe(true);
  });

  it('sorts hostnames naturally: NB-2 before NB-10, whatever the case', () => {
    expect(hostnames(visibleDevices(fleet, '', { key: 'hostname', dir: 'asc' }))).toEqual([
      'KFZ-01',
      'nb-2',
      'NB-3',
      'NB-10',
    ]);
    expect(hostnames(visibleDevices(fleet, '', { key: 'hostname', dir: 'desc' }))).toEqual([
      'NB-10',
      'NB-3',
      'nb-2',
      'KFZ-01',
    ]);
  });

  it('sorts by status with offline devices first, keeping hostname order within a status', () => {
    expect(hostnames(visibleDevices(fleet, '', { key: 'status', dir: 'asc' }))).toEqual([
      'KFZ-01',
      'nb-2',
      'NB-3',
      'NB-10',
    ]);
    expect(hostnames(visibleDevices(fleet, '', { key: 'status', dir: 'desc' }))).toEqual([
      'NB-3',
      'NB-10',
      'KFZ-01',
      'nb-2',
    ]);
  });

  it('flips the direction when the sorted column is clicked again and starts ascending on a new one', () => {
    expect(toggleSort({ key: 'hostname', dir: 'asc' }, 'hostname')).toEqual({ key: 'hostname', dir: 'desc' });
    expect(toggleSort({ key: 'hostname', dir: 'desc' }, 'status')).toEqual({ key: 'status', dir: 'asc' });
  });

  it('shows 2,000 devices as 20 pages of 100 and clamps a page past the end', () => {
    const many = Array.from({ length: 2000 }, (_, i) => i);
    const first = pageOf(many, 1);
    expect(first.rows).toHaveLength(PAGE_SIZE);
    expect(first.pages).toBe(20);
    const past = pageOf(many, 25);
    expect(past.page).toBe(20);
    expect(past.rows[0]).toBe(1900);
    expect(pageOf([], 3)).toEqual({ rows: [], page: 1, pages: 1 });
  });

  it('filters and sorts 2,000 devices fast enough to run on every keystroke', () => {
    const big = Array.from({ length: 2000 }, (_, i) =>
      device(String(i), { hostname: `NB-${i}`, online: i % 3 !== 0 }),
    );
    const start = performance.now();
    for (let i = 0; i < 10; i++) visibleDevices(big, 'nb-1', { key: 'status', dir: 'asc' });
    expect((performance.now() - start) / 10).toBeLessThan(50);
  });
});
