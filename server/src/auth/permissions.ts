import { LIVE_WS_PATH } from '@lagebild/shared';
import { ROLES, type Role } from './roles.js';

const ALL: readonly Role[] = ROLES;
/** fleet views: counts, device list, application statistics, the live overview */
const FLEET: readonly Role[] = ['admin', 'servicedesk', 'viewer'];
/** one device in detail and "check now" */
const DEVICE: readonly Role[] = ['admin', 'servicedesk'];
/** settings and administration */
const ADMIN: readonly Role[] = ['admin'];

/**
 * Who may call which route, as `METHOD /path` with Fastify's `:param` form. Every route under
 * /api/v1 and the live WebSocket must be listed: the guard denies anything missing
 * (permissions.test.ts enumerates the registered routes against this table).
 */
export const PERMISSIONS: Readonly<Record<string, readonly Role[]>> = {
  'GET /api/v1/auth/me': ALL,
  'POST /api/v1/auth/logout': ALL,
  'GET /api/v1/fleet': FLEET,
  'GET /api/v1/devices': FLEET,
  'GET /api/v1/devices/:id': DEVICE,
  'GET /api/v1/apps/latency': FLEET,
  'GET /api/v1/apps/stats': FLEET,
  [`GET ${LIVE_WS_PATH}`]: FLEET,
  'POST /api/v1/devices/:id/checks': DEVICE,
  'GET /api/v1/commands/:id': DEVICE,
  'GET /api/v1/config/probes': ADMIN,
  'PUT /api/v1/config/probes': ADMIN,
  'GET /api/v1/enroll-secrets': ADMIN,
  'POST /api/v1/enroll-secrets': ADMIN,
  'DELETE /api/v1/enroll-secrets/:id': ADMIN,
  'POST /api/v1/devices/:id/revoke': ADMIN,
  'GET /api/v1/users': ADMIN,
  'POST /api/v1/users': ADMIN,
  'PATCH /api/v1/users/:name': ADMIN,
  'PUT /api/v1/users/:name/password': ADMIN,
  'DELETE /api/v1/users/:name': ADMIN,
  'GET /api/v1/settings': ADMIN,
  'POST /api/v1/config/probes/preview': ADMIN,
};

/** Open without a session: signing in itself. Everything outside /api/v1 and the live socket is open too. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['POST /api/v1/auth/login']);

/** Whether a route is behind the session guard (everything under /api/v1 but login, and the live socket). */
export function isGuarded(method: string, url: string): boolean {
  if (PUBLIC_ROUTES.has(`${method} ${url}`)) return false;
  return url.startsWith('/api/v1/') || url === LIVE_WS_PATH;
}

/** Roles allowed on a guarded route; none for a route missing from the table. HEAD follows GET. */
export function allowedRoles(method: string, url: string): readonly Role[] {
  const m = method === 'HEAD' ? 'GET' : method;
  return PERMISSIONS[`${m} ${url}`] ?? [];
}
