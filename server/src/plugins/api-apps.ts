import { AppLatency } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { described, errorResponses, Tag } from '../api-schemas.js';
import { requestInvalid } from '../http-errors.js';

const LatencyQuery = Type.Object({
  minutes: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 7 * 24 * 60, default: 60, description: 'How far back from now.' }),
  ),
  bucketSec: Type.Optional(
    Type.Integer({
      minimum: 60,
      maximum: 86_400,
      multipleOf: 60,
      default: 60,
      // answered from per-minute rollups: a bucket cannot split a minute
      description: 'Width of one time bucket in seconds, a multiple of 60.',
    }),
  ),
});

/** More points per app than any chart can show; guards the server against accidental huge answers. */
const MAX_BUCKETS = 10_080;

/** GET /apps/latency under /api/v1: per Fachverfahren and time bucket, count, errors, avg and max. */
export default async function appsApi(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { minutes?: number; bucketSec?: number } }>(
    '/apps/latency',
    {
      schema: {
        tags: [Tag.apps],
        operationId: 'getAppLatency',
        summary: 'Fachverfahren latency over time',
        description:
          'Per Fachverfahren and time bucket: probe runs, errors, average and maximum of the answered runs ' +
          '(null when all failed). Only buckets with data are listed.',
        querystring: LatencyQuery,
        response: {
          200: described(AppLatency, 'Latency series, one per Fachverfahren.'),
          ...errorResponses(400),
        },
      },
    },
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
