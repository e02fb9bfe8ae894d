import { CheckName } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { createEnrollSecret } from '../gateway/enroll-secrets.js';
import { sendError } from '../http-errors.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const NewSecretBody = Type.Object(
  { label: Type.Optional(Type.String({ maxLength: 128 })) },
  { additionalProperties: false },
);
const CheckBody = Type.Object(
  {
    check: CheckName,
    /** how long a queued command waits for an offline device (default: the server's commandTtlMs) */
    ttlSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400 })),
  },
  { additionalProperties: false },
);

/**
 * Administrative routes under /api/v1: enrollment secrets, device revocation, commands. They are one
 * plugin so that the authentication of a later issue can guard them with one hook.
 */
export default async function adminApi(app: FastifyInstance): Promise<void> {
  const { now } = app.lagebild;

  app.get('/enroll-secrets', async () => ({ secrets: await app.store.listEnrollSecrets() }));

  app.post<{ Body: { label?: string } | undefined }>(
    '/enroll-secrets',
    { schema: { body: Type.Optional(NewSecretBody) } },
    async (request, reply) => {
      const { secret, info } = await createEnrollSecret(app.store, request.body?.label ?? '', now());
      request.log.info({ secretId: info.id }, 'enrollment secret created');
      // the secret itself is shown this once; only its hash is stored
      return reply.code(201).send({ ...info, secret });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/enroll-secrets/:id',
    { schema: { params: IdParams } },
    async (request, reply) => {
      if (!(await app.store.revokeEnrollSecret(request.params.id, now())))
        return sendError(reply, 'LB_ERR_NOT_FOUND', `active enrollment secret ${request.params.id}`);
      request.log.info({ secretId: request.params.id }, 'enrollment secret revoked');
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/devices/:id/revoke',
    { schema: { params: IdParams } },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await app.store.revokeDevice(id, now())))
        return sendError(reply, 'LB_ERR_NOT_FOUND', `device ${id}`);
      const disconnected = app.gateway.disconnect(id, 'LB_ERR_AUTH_INVALID', 'the device was revoked');
      app.live.deviceChanged(id);
      request.log.info({ deviceId: id, disconnected }, 'device revoked');
      return { deviceId: id, revoked: true, disconnected };
    },
  );

  app.post<{ Params: { id: string }; Body: { check: CheckName; ttlSec?: number } }>(
    '/devices/:id/checks',
    { schema: { params: IdParams, body: CheckBody } },
    async (request, reply) => {
      const { check, ttlSec } = request.body;
      const sent = await app.gateway.sendCommand(
        request.params.id,
        check,
        ttlSec === undefined ? undefined : ttlSec * 1000,
      );
      return reply.code(sent.delivered ? 200 : 202).send(sent);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/commands/:id',
    { schema: { params: IdParams } },
    async (request, reply) => {
      const command = await app.store.command(request.params.id, now());
      if (!command) return sendError(reply, 'LB_ERR_NOT_FOUND', `command ${request.params.id}`);
      return command;
    },
  );
}
