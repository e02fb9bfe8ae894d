import type { DeviceSummary } from '@lagebild/shared';

/** Columns the device table sorts by. */
export type SortKey = 'hostname' | 'status';
export type SortDir = 'asc' | 'desc';

export interface SortSpec {
  key: SortKey;
  dir: SortDir;
}

/** Rows per page of the device table. */
export const PAGE_SIZE = 100;

// numeric: NB-2 before NB-10, as people expect from numbered notebooks
const collator = new Intl.Collator('de', { numeric: true, sensitivity: 'base' });

/** True when the hostname or the serial number contains the query, ignoring case and outer spaces. */
export function matchesQuery(device: DeviceSummary, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  return device.hostname.toLowerCase().includes(q) || device.serial.toLowerCase().includes(q);
}

function compareHostname(a: DeviceSummary, b: DeviceSummary): number {
  return collator.compare(a.hostname, b.hostname) || collator.compare(a.id, b.id);
}

/** Ascending status puts offline devices first: those are the ones people look for. */
function compareStatus(a: DeviceSummary, b: DeviceSummary): number {
  return Number(a.online) - Number(b.online);
}

/**
 * Filters by query and sorts. Ties (same status) stay in hostname order whatever the direction, so
 * the list does not jump around when it is re-sorted.
 */
export function visibleDevices(
  devices: Iterable<DeviceSummary>,
  query: string,
  sort: SortSpec,
): DeviceSummary[] {
  const list: DeviceSummary[] = [];
  for (const d of devices) if (matchesQuery(d, query)) list.push(d);
  const sign = sort.dir === 'asc' ? 1 : -1;
  if (sort.key === 'hostname') list.sort((a, b) => sign * compareHostname(a, b));
  else list.sort((a, b) => sign * compareStatus(a, b) || compareHostname(a, b));
  return list;
}

export interface Page<T> {
  rows: T[];
  /** 1-based, clamped into range */
  page: number;
  pages: number;
}

/** Cuts one page out of a list; a page past the end shows the last page. */
export function pageOf<T>(list: readonly T[], page: number, size = PAGE_SIZE): Page<T> {
  const pages = Math.max(1, Math.ceil(list.length / size));
  const current = Math.min(Math.max(1, Math.floor(page)), pages);
  return { rows: list.slice((current - 1) * size, current * size), page: current, pages };
}

/** Clicking a column sorts by it ascending; clicking the sorted column again flips the direction. */
export function toggleSort(current: SortSpec, key: SortKey): SortSpec {
  return current.key === key ? { key, dir: current.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' };
}
