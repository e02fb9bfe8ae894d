import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasDashboard } from '../options.js';

/** Paths that belong to programs: an unknown one is a JSON 404, never the dashboard page. */
function isApiPath(path: string): boolean {
  return (
    path.startsWith('/api/') ||
    path === '/api' ||
    path.startsWith('/v1/') ||
    path === '/healthz' ||
    path === '/metrics' ||
    path.startsWith('/docs/')
  );
}

/** Looks like a file (an asset that is missing) rather than a dashboard route such as /geraete/xyz. */
function looksLikeFile(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.includes('.');
}

/** Serves the built dashboard at `/` with an SPA fallback; every other unknown path is a coded JSON 404. */
export default fp(
  async (app: FastifyInstance) => {
    const dir = app.lagebild.dashboardDir;
    const spa = hasDashboard(dir);
    if (spa) {
      await app.register(fastifyStatic, { root: dir, prefix: '/', index: 'index.html' });
    } else if (dir !== false) {
      app.log.warn({ dir }, 'dashboard build not found: serving the API only (build it with `pnpm build`)');
    }

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const page = request.method === 'GET' || request.method === 'HEAD';
      if (spa && page && !isApiPath(path) && !looksLikeFile(path)) {
        return reply.header('cache-control', 'no-cache').sendFile('index.html');
      }
      return reply.code(404).send({
        statusCode: 404,
        code: 'LB_ERR_NOT_FOUND',
        message: `${request.method} ${path} not found`,
      });
    });
  },
  { name: 'lagebild-dashboard' },
);
