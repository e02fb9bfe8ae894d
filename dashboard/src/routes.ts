import type { GroupKind } from '@lagebild/shared';

/** The pages of the dashboard, read from the URL path. */
export type Route =
  | { name: 'overview' }
  | { name: 'devices' }
  | { name: 'device'; id: string }
  | { name: 'apps' }
  | { name: 'app'; app: string }
  | { name: 'settings' }
  | { name: 'notFound' };

const DEVICES = '/geraete';
const APPS = '/fachverfahren';
const SETTINGS = '/einstellungen';

/** The one path segment after `prefix/`, decoded; null when there is none, more than one, or it is malformed. */
function segmentAfter(path: string, prefix: string): string | null {
  const raw = path.slice(prefix.length + 1);
  if (raw === '' || raw.includes('/')) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/**
 * Reads a location path into a route: `/` the overview, `/geraete` the device search, `/geraete/<id>`
 * one device, `/fachverfahren` every application, `/fachverfahren/<app>` one application, `/einstellungen`
 * the settings.
 */
export function parseRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '' || path === '/') return { name: 'overview' };
  if (path === DEVICES) return { name: 'devices' };
  if (path === APPS) return { name: 'apps' };
  if (path === SETTINGS) return { name: 'settings' };
  if (path.startsWith(`${DEVICES}/`)) {
    const id = segmentAfter(path, DEVICES);
    return id === null ? { name: 'notFound' } : { name: 'device', id };
  }
  if (path.startsWith(`${APPS}/`)) {
    const app = segmentAfter(path, APPS);
    return app === null ? { name: 'notFound' } : { name: 'app', app };
  }
  return { name: 'notFound' };
}

/** The settings page (admins only). */
export function settingsPath(): string {
  return SETTINGS;
}

/** The path of one device's page. */
export function devicePath(id: string): string {
  return `${DEVICES}/${encodeURIComponent(id)}`;
}

/** Time ranges the Fachverfahren pages offer. */
export const RANGES = ['1h', '24h', '7d', '30d'] as const;
export type RangeKey = (typeof RANGES)[number];
export const DEFAULT_RANGE: RangeKey = '24h';

/** Groupings a Fachverfahren can be broken down by (the fleet as a whole is the unfiltered page). */
export const GROUP_KINDS = ['gateway', 'site', 'orgUnit'] as const;
export type AppGroupKind = (typeof GROUP_KINDS)[number] & GroupKind;
export const DEFAULT_GROUP_KIND: AppGroupKind = 'gateway';

// query parameter names: German like the paths, since these URLs get pasted into tickets
const Q = { search: 'q', page: 'seite', range: 'zeitraum', by: 'gruppierung', group: 'gruppe' } as const;

function params(search: string): URLSearchParams {
  return new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
}

function withQuery(path: string, entries: [string, string | undefined][]): string {
  const qs = new URLSearchParams();
  for (const [k, v] of entries) if (v !== undefined) qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** What the device search shows: the search text and the 1-based result page. */
export interface DevicesQuery {
  q: string;
  page: number;
}

/** Reads `/geraete?q=…&seite=…`; a missing or broken page number is page 1. */
export function parseDevicesQuery(search: string): DevicesQuery {
  const p = params(search);
  const page = Number(p.get(Q.page));
  return { q: p.get(Q.search) ?? '', page: Number.isInteger(page) && page >= 1 ? page : 1 };
}

/** The device search's URL, e.g. `/geraete?q=NB-0042`; empty search and page 1 are left out. */
export function devicesPath(query: Partial<DevicesQuery> = {}): string {
  return withQuery(DEVICES, [
    [Q.search, query.q ? query.q : undefined],
    [Q.page, query.page && query.page > 1 ? String(query.page) : undefined],
  ]);
}

/** What a Fachverfahren page shows: time range, grouping of the breakdown, and an optional group filter. */
export interface AppQuery {
  range: RangeKey;
  groupBy: AppGroupKind;
  /** only this group (gateway host, site, org unit; '' = devices without one); null = whole fleet */
  group: string | null;
}

const isRange = (v: string | null): v is RangeKey => RANGES.includes(v as RangeKey);
const isGroupKind = (v: string | null): v is AppGroupKind => GROUP_KINDS.includes(v as AppGroupKind);

/** Reads `?zeitraum=…&gruppierung=…&gruppe=…`; unknown values fall back to the defaults. */
export function parseAppQuery(search: string): AppQuery {
  const p = params(search);
  const range = p.get(Q.range);
  const by = p.get(Q.by);
  return {
    range: isRange(range) ? range : DEFAULT_RANGE,
    groupBy: isGroupKind(by) ? by : DEFAULT_GROUP_KIND,
    group: p.get(Q.group),
  };
}

/** The Fachverfahren list's URL; the default range is left out. */
export function appsPath(range: RangeKey = DEFAULT_RANGE): string {
  return withQuery(APPS, [[Q.range, range === DEFAULT_RANGE ? undefined : range]]);
}

/** One Fachverfahren's URL, e.g. `/fachverfahren/Bauportal?gruppe=vpn-gw-2`; defaults are left out. */
export function appPath(app: string, query: Partial<AppQuery> = {}): string {
  const { range = DEFAULT_RANGE, groupBy = DEFAULT_GROUP_KIND, group = null } = query;
  return withQuery(`${APPS}/${encodeURIComponent(app)}`, [
    [Q.range, range === DEFAULT_RANGE ? undefined : range],
    [Q.by, groupBy === DEFAULT_GROUP_KIND ? undefined : groupBy],
    [Q.group, group ?? undefined],
  ]);
}
