import { AppLatency } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { requestInvalid } from '../http-errors.js';

const LatencyQuery = Type.Object({
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 60, default: 60 })),
  bucketSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, default: 60 })),
});

/** More points per app than any chart can show; guards the server against accidental huge answers. */
const MAX_BUCKETS = 10_080;

/** GET /apps/latency under /api/v1: per Fachverfahren and time bucket, count, errors, avg and max. */
export default async function appsApi(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { minutes?: number; bucketSec?: number } }>(
    '/apps/latency',
    { schema: { querystring: LatencyQuery, response: { 200: AppLatency } } },
    async (request) => {
      const { minutes = 60, bucketSec = 60 } = request.query;
      if ((minutes * 60) / bucketSec > MAX_BUCKETS) {
        throw requestInvalid(
          `querystring: ${minutes} minutes in ${bucketSec}-second buckets are more than ${MAX_BUCKETS} buckets`,
        );
      }
      const to = app.lagebild.now();
      return app.store.appLatency({ from: to - minutes * 60_000, to, bucketSec });
    },
  );
}
