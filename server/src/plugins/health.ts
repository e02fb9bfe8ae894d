import type { FastifyInstance } from 'fastify';
import { described, Health, Tag } from '../api-schemas.js';
import { SERVER_VERSION } from '../version.js';

/** GET /healthz: 200 while the database answers, 503 when it does not (for load balancers and probes). */
export default async function health(app: FastifyInstance): Promise<void> {
  const startedAt = app.lagebild.now();
  const schema = {
    tags: [Tag.operations],
    operationId: 'getHealth',
    summary: 'Health check',
    description: 'For load balancers and probes: 200 while the database answers, 503 when it does not.',
    response: {
      200: described(Health, 'Healthy: `status` and `db` are `ok`.'),
      503: described(Health, 'The database does not answer: `status` and `db` are `error`.'),
    },
  };
  app.get('/healthz', { schema }, async (request, reply) => {
    const uptimeSec = Math.max(0, Math.floor((app.lagebild.now() - startedAt) / 1000));
    try {
      await app.store.ping();
      return { status: 'ok', version: SERVER_VERSION, uptimeSec, db: 'ok' };
    } catch (err) {
      request.log.error({ err }, 'health check: database does not answer');
      return reply.code(503).send({ status: 'error', version: SERVER_VERSION, uptimeSec, db: 'error' });
    }
  });
}
