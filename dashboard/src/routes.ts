/** The pages of the dashboard, read from the URL path. */
export type Route = { name: 'overview' } | { name: 'device'; id: string } | { name: 'notFound' };

const DEVICE_PREFIX = '/geraete/';

/** Reads a location path into a route; `/` is the overview, `/geraete/<id>` one device. */
export function parseRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '' || path === '/') return { name: 'overview' };
  if (path.startsWith(DEVICE_PREFIX)) {
    const raw = path.slice(DEVICE_PREFIX.length);
    if (raw === '' || raw.includes('/')) return { name: 'notFound' };
    try {
      return { name: 'device', id: decodeURIComponent(raw) };
    } catch {
      return { name: 'notFound' };
    }
  }
  return { name: 'notFound' };
}

/** The path of one device's page. */
export function devicePath(id: string): string {
  return `${DEVICE_PREFIX}${encodeURIComponent(id)}`;
}
