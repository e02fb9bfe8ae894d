import { CheckName } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import {
  bodyErrors,
  CommandSent,
  Command as CommandView,
  CreatedEnrollSecret,
  DeviceRevoked,
  described,
  EnrollSecretList,
  errorResponse,
  errorResponses,
  Tag,
} from '../api-schemas.js';
import { createEnrollSecret } from '../gateway/enroll-secrets.js';
import { sendError } from '../http-errors.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const NewSecretBody = Type.Object(
  {
    label: Type.Optional(
      Type.String({ maxLength: 128, description: 'For people: where the secret is used.' }),
    ),
  },
  { additionalProperties: false },
);
const CheckBody = Type.Object(
  {
    check: CheckName,
    /** how long a queued command waits for an offline device (default: the server's commandTtlMs) */
    ttlSec: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 7 * 86_400,
        description:
          'How long a queued command waits for an offline device (default: the server setting, 30 s).',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Administrative routes under /api/v1: enrollment secrets, device revocation, commands. They are one
 * plugin so that the authentication of a later issue can guard them with one hook.
 */
export default async function adminApi(app: FastifyInstance): Promise<void> {
  const { now } = app.lagebild;

  app.get(
    '/enroll-secrets',
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'listEnrollSecrets',
        summary: 'List enrollment secrets',
        description: 'Active and revoked secrets with their use; never the secrets themselves.',
        response: { 200: described(EnrollSecretList, 'All enrollment secrets.'), ...errorResponses() },
      },
    },
    async () => ({ secrets: await app.store.listEnrollSecrets() }),
  );

  app.post<{ Body: { label?: string } | undefined }>(
    '/enroll-secrets',
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'createEnrollSecret',
        summary: 'Create an enrollment secret',
        description:
          'A new secret that agent installations trade for a device id and token at `POST /v1/enroll`. ' +
          'The body is optional.',
        body: Type.Optional(NewSecretBody),
        response: {
          201: described(CreatedEnrollSecret, 'Created; the secret is shown in this answer only.'),
          ...bodyErrors(),
        },
      },
    },
    async (request, reply) => {
      const { secret, info } = await createEnrollSecret(app.store, request.body?.label ?? '', now());
      request.log.info({ secretId: info.id }, 'enrollment secret created');
      // the secret itself is shown this once; only its hash is stored
      return reply.code(201).send({ ...info, secret });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/enroll-secrets/:id',
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'revokeEnrollSecret',
        summary: 'Revoke an enrollment secret',
        description: 'Enrolled devices keep working; the secret cannot enroll new ones.',
        params: IdParams,
        response: {
          204: Type.Null({ description: 'Revoked.' }),
          ...errorResponses(400, 404),
          404: errorResponse(
            'No active secret with this id (`LB_ERR_NOT_FOUND`): unknown or already revoked.',
          ),
        },
      },
    },
    async (request, reply) => {
      if (!(await app.store.revokeEnrollSecret(request.params.id, now())))
        return sendError(reply, 'LB_ERR_NOT_FOUND', `active enrollment secret ${request.params.id}`);
      request.log.info({ secretId: request.params.id }, 'enrollment secret revoked');
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/devices/:id/revoke',
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'revokeDevice',
        summary: 'Revoke a device',
        description:
          'Its token stops working and an open agent connection is closed with `LB_ERR_AUTH_INVALID`; ' +
          'the agent must enroll again.',
        params: IdParams,
        response: {
          200: described(DeviceRevoked, 'Revoked.'),
          ...errorResponses(400, 404),
          404: errorResponse('No device with this id (`LB_ERR_NOT_FOUND`).'),
        },
      },
    },
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
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'requestDeviceCheck',
        summary: 'Ask a device to run a check now',
        description:
          'Sends one of the predefined checks to the agent, or queues it until the agent connects. ' +
          'Follow it with `GET /api/v1/commands/{id}`.',
        params: IdParams,
        body: CheckBody,
        response: {
          200: described(CommandSent, 'Sent to the connected agent.'),
          202: described(
            CommandSent,
            'The device is offline: queued until it connects or the command expires.',
          ),
          ...bodyErrors(),
          400: errorResponse(
            'Not one of the predefined checks, or a bad `ttlSec` (`LB_ERR_REQUEST_INVALID`).',
          ),
          404: errorResponse('No device with this id (`LB_ERR_NOT_FOUND`).'),
        },
      },
    },
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
    {
      schema: {
        tags: [Tag.admin],
        operationId: 'getCommand',
        summary: 'State of a "check now" command',
        description:
          'queued → sent → running → done or failed; a queued command past its expiry reads as expired.',
        params: IdParams,
        response: {
          200: described(CommandView, 'The command.'),
          ...errorResponses(400, 404),
          404: errorResponse('No command with this id (`LB_ERR_NOT_FOUND`).'),
        },
      },
    },
    async (request, reply) => {
      const command = await app.store.command(request.params.id, now());
      if (!command) return sendError(reply, 'LB_ERR_NOT_FOUND', `command ${request.params.id}`);
      return command;
    },
  );
}
