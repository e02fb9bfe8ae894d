import { DeviceDetail, DeviceList, FleetCounts } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { sendError } from '../http-errors.js';

const DevicesQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 256 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});

const DeviceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Events a device detail shows, newest first. */
const DETAIL_EVENTS = 50;

/** GET /fleet, /devices, /devices/:id under /api/v1. */
export default async function devicesApi(app: FastifyInstance): Promise<void> {
  app.get('/fleet', { schema: { response: { 200: FleetCounts } } }, async () =>
    app.store.fleetCounts(app.lagebild.now()),
  );

  app.get<{ Querystring: { q?: string; limit?: number; offset?: number } }>(
    '/devices',
    { schema: { querystring: DevicesQuery, response: { 200: DeviceList } } },
    async (request) => {
      const { q, limit = 100, offset = 0 } = request.query;
      const trimmed = q?.trim();
      return app.store.listDevices({ q: trimmed ? trimmed : undefined, limit, offset });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/devices/:id',
    { schema: { params: DeviceParams, response: { 200: DeviceDetail } } },
    async (request, reply) => {
      const detail = await app.store.deviceDetail(request.params.id, DETAIL_EVENTS);
      if (!detail) return sendError(reply, 'LB_ERR_NOT_FOUND', `device ${request.params.id}`);
      return detail;
    },
  );
}
