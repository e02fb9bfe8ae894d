import { DeviceDetail, DeviceList, FleetCounts } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { described, errorResponse, errorResponses, Tag } from '../api-schemas.js';
import { sendError } from '../http-errors.js';

const DevicesQuery = Type.Object({
  q: Type.Optional(
    Type.String({
      maxLength: 256,
      description: 'Case-insensitive part of the hostname or the serial number.',
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});

const DeviceParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: 'Device id as assigned at enrollment.' }),
});

/** Events a device detail shows, newest first. */
const DETAIL_EVENTS = 50;

/** GET /fleet, /devices, /devices/:id under /api/v1. */
export default async function devicesApi(app: FastifyInstance): Promise<void> {
  app.get(
    '/fleet',
    {
      schema: {
        tags: [Tag.fleet],
        operationId: 'getFleet',
        summary: 'Fleet overview counts',
        description: 'Devices, online devices, VPN states and present security keys, counted now.',
        response: { 200: described(FleetCounts, 'Counts at `at`.'), ...errorResponses() },
      },
    },
    async () => app.store.fleetCounts(app.lagebild.now()),
  );

  app.get<{ Querystring: { q?: string; limit?: number; offset?: number } }>(
    '/devices',
    {
      schema: {
        tags: [Tag.devices],
        operationId: 'listDevices',
        summary: 'List and search devices',
        description:
          'Ordered by hostname (case-insensitive); `total` counts all matches, not only this page.',
        querystring: DevicesQuery,
        response: { 200: described(DeviceList, 'One page of matching devices.'), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { q, limit = 100, offset = 0 } = request.query;
      const trimmed = q?.trim();
      return app.store.listDevices({ q: trimmed ? trimmed : undefined, limit, offset });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/devices/:id',
    {
      schema: {
        tags: [Tag.devices],
        operationId: 'getDevice',
        summary: 'One device in detail',
        description: `Identity, VPN, security keys, health, the newest result of each probe and the last ${DETAIL_EVENTS} events (newest first).`,
        params: DeviceParams,
        response: {
          200: described(DeviceDetail, 'The device.'),
          ...errorResponses(400, 404),
          404: errorResponse('No device with this id (`LB_ERR_NOT_FOUND`).'),
        },
      },
    },
    async (request, reply) => {
      const detail = await app.store.deviceDetail(request.params.id, DETAIL_EVENTS);
      if (!detail) return sendError(reply, 'LB_ERR_NOT_FOUND', `device ${request.params.id}`);
      return detail;
    },
  );
}
