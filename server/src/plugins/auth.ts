import type { Socket } from 'node:net';
import { LIVE_WS_PATH } from '@lagebild/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  type AuthErrorCode,
  bodyErrors,
  described,
  type ErrorBody,
  errorResponse,
  errorResponses,
  LoginBody,
  SignedIn,
  Tag,
} from '../api-schemas.js';
import { verifyNobody, verifyPassword } from '../auth/password.js';
import { allowedRoles, isGuarded } from '../auth/permissions.js';
import { hashSessionId, newSessionId, sessionCookie, sessionIdFrom } from '../auth/session.js';
import type { UserInfo } from '../store/store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** the signed-in user on guarded routes; null elsewhere */
    user: UserInfo | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const REFUSALS = {
  LB_ERR_UNAUTHENTICATED: { status: 401, error: 'unauthenticated', message: 'Sign in first' },
  LB_ERR_FORBIDDEN: { status: 403, error: 'forbidden', message: 'Your role does not allow this' },
  LB_ERR_ORIGIN_MISMATCH: {
    status: 403,
    error: 'forbidden',
    message: 'Changing requests must come from the page this server served',
  },
  LB_ERR_LOGIN_FAILED: { status: 401, error: undefined, message: 'Name or password is wrong' },
} as const satisfies Record<AuthErrorCode, unknown>;

function refuse(reply: FastifyReply, code: AuthErrorCode): FastifyReply {
  const r = REFUSALS[code];
  const body: ErrorBody = { statusCode: r.status, code, message: r.message };
  if (r.error) body.error = r.error;
  return reply.code(r.status).send(body);
}

/** True when the request carries no Origin or one naming this server's host (CSRF guard). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host.toLowerCase() === (request.headers.host ?? '').toLowerCase();
  } catch {
    // "null" (sandboxed frames, some redirects) and garbage are another origin
    return false;
  }
}

const GUARD_RESPONSES = {
  401: errorResponse(
    'No valid session (`LB_ERR_UNAUTHENTICATED`, `error: "unauthenticated"`): sign in first.',
  ),
  403: errorResponse(
    'The role does not allow this (`LB_ERR_FORBIDDEN`), or a changing request came from another origin (`LB_ERR_ORIGIN_MISMATCH`); `error: "forbidden"`.',
  ),
};

/**
 * Sessions and roles: POST /api/v1/auth/login, /logout, GET /me, and the guard in front of every
 * route under /api/v1 and the live WebSocket (permissions.ts says who may call what). Changing
 * requests whose Origin is another host are refused everywhere.
 */
export default fp(
  async (app: FastifyInstance) => {
    const options = app.lagebild;
    app.decorateRequest('user', null);

    // open live sockets and their session: a session that ends (logout elsewhere, password change, a
    // removed user, expiry) closes its socket at the next check instead of pushing on until it drops
    const liveSessions = new Map<Socket, string>();
    let checking = false;
    const recheck = async () => {
      if (checking) return;
      checking = true;
      try {
        const now = options.now();
        for (const [socket, idHash] of liveSessions) {
          if (await app.store.sessionAlive(idHash, now)) continue;
          liveSessions.delete(socket);
          socket.destroy();
        }
      } catch (err) {
        app.log.error({ err }, 'live session check failed');
      } finally {
        checking = false;
      }
    };
    const timer = setInterval(() => void recheck(), options.liveSessionCheckMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));

    const sessionId = (request: FastifyRequest) => sessionIdFrom(request.headers.cookie);

    // the guard's answers belong in each guarded route's documentation, and its serializer needs them
    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat();
      if (!methods.some((m) => isGuarded(m, route.url))) return;
      const schema = route.schema as { response?: Record<string, unknown> } | undefined;
      if (!schema?.response) return;
      schema.response[401] ??= GUARD_RESPONSES[401];
      schema.response[403] ??= GUARD_RESPONSES[403];
    });

    app.addHook('onRequest', async (request, reply) => {
      if (!SAFE_METHODS.has(request.method) && !sameOrigin(request))
        return refuse(reply, 'LB_ERR_ORIGIN_MISMATCH');
      const url = request.routeOptions.url;
      // unknown paths go on to the 404 handler
      if (url === undefined || !isGuarded(request.method, url)) return;
      const id = sessionId(request);
      const idHash = id ? hashSessionId(id) : null;
      const now = options.now();
      const user = idHash ? await app.store.touchSession(idHash, now, now + options.sessionIdleMs) : null;
      if (!idHash || !user) return refuse(reply, 'LB_ERR_UNAUTHENTICATED');
      if (!allowedRoles(request.method, url).includes(user.role)) return refuse(reply, 'LB_ERR_FORBIDDEN');
      request.user = user;
      const socket = request.raw.socket;
      if (url === LIVE_WS_PATH && request.headers.upgrade && socket) {
        liveSessions.set(socket, idHash);
        socket.once('close', () => liveSessions.delete(socket));
      }
    });

    await app.register(
      async (api) => {
        api.post<{ Body: { name: string; password: string } }>(
          '/auth/login',
          {
            schema: {
              tags: [Tag.auth],
              operationId: 'login',
              summary: 'Sign in',
              description:
                'Checks name and password and sets the session cookie `lagebild_session` (HttpOnly, SameSite=Strict, Secure under TLS). Sessions end after 8 h without use or 24 h after sign-in.',
              body: LoginBody,
              response: {
                200: described(SignedIn, 'Signed in; the answer carries the session cookie.'),
                ...bodyErrors(),
                401: errorResponse('Name or password is wrong (`LB_ERR_LOGIN_FAILED`); one answer for both.'),
                403: errorResponse('The request came from another origin (`LB_ERR_ORIGIN_MISMATCH`).'),
              },
            },
          },
          async (request, reply) => {
            const { name, password } = request.body;
            const user = await app.store.userByName(name);
            // an unknown name costs the same scrypt work as a wrong password
            const ok = user
              ? await verifyPassword(password, user.passwordHash)
              : await verifyNobody(password);
            if (!user || !ok) return refuse(reply, 'LB_ERR_LOGIN_FAILED');
            const previous = sessionId(request);
            if (previous) await app.store.deleteSession(hashSessionId(previous));
            const id = newSessionId();
            const now = options.now();
            await app.store.createSession({
              idHash: hashSessionId(id),
              userId: user.id,
              now,
              expiresAt: now + options.sessionAbsoluteMs,
              idleExpiresAt: now + Math.min(options.sessionIdleMs, options.sessionAbsoluteMs),
            });
            const maxAgeSec = Math.floor(options.sessionAbsoluteMs / 1000);
            reply.header('set-cookie', sessionCookie(id, maxAgeSec, options.secureCookies));
            request.log.info({ user: user.name, role: user.role }, 'signed in');
            return { name: user.name, role: user.role };
          },
        );

        api.post(
          '/auth/logout',
          {
            schema: {
              tags: [Tag.auth],
              operationId: 'logout',
              summary: 'Sign out',
              description: 'Ends the session and clears the cookie.',
              response: { 204: { description: 'Signed out.', type: 'null' }, ...errorResponses() },
            },
          },
          async (request, reply) => {
            const id = sessionId(request);
            if (id) await app.store.deleteSession(hashSessionId(id));
            reply.header('set-cookie', sessionCookie('', 0, options.secureCookies));
            return reply.code(204).send();
          },
        );

        api.get(
          '/auth/me',
          {
            schema: {
              tags: [Tag.auth],
              operationId: 'getMe',
              summary: 'Who is signed in',
              description: 'The signed-in user and role; 401 without a valid session.',
              response: { 200: described(SignedIn, 'The signed-in user.'), ...errorResponses() },
            },
          },
          async (request) => {
            const user = request.user!;
            return { name: user.name, role: user.role };
          },
        );
      },
      { prefix: '/api/v1' },
    );
  },
  { name: 'lagebild-auth', dependencies: ['lagebild-store'] },
);
