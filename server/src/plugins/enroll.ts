import {
  decodeEnrollRequest,
  ENROLL_PATH,
  EnrollRequest,
  EnrollResponse,
  isLagebildError,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
} from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { described, errorResponse, errorResponses, Tag } from '../api-schemas.js';
import { hashSecret, newDeviceId, newToken } from '../gateway/credentials.js';
import { seedEnrollSecrets } from '../gateway/enroll-secrets.js';
import { sendError } from '../http-errors.js';

/** POST /v1/enroll: an enrollment secret buys a device id and a fresh token (only its hash is kept). */
export default async function enroll(app: FastifyInstance): Promise<void> {
  const { enrollSecrets, now } = app.lagebild;
  await seedEnrollSecrets(app.store, enrollSecrets, now(), app.log);
  const active = (await app.store.listEnrollSecrets()).filter((s) => s.revokedAt === null);
  if (active.length === 0) app.log.warn('no active enrollment secret: no notebook can enroll');

  app.post(
    ENROLL_PATH,
    {
      schema: {
        tags: [Tag.agent],
        operationId: 'enrollDevice',
        summary: 'Enroll a notebook',
        description:
          'Trades an enrollment secret for a device id and a token for `/v1/agent` (see docs/PROTOCOL.md). ' +
          'A known `hardwareId` keeps its device id and gets a new token; an open connection with the old ' +
          'token is closed. Validated strictly like every protocol message: no type coercion, no unknown ' +
          'fields, at most 16 KiB.',
        body: EnrollRequest,
        response: {
          200: described(EnrollResponse, 'Enrolled; only a hash of the token is kept.'),
          400: errorResponse(
            'The body is not a valid enrollment (`LB_ERR_ENROLL_INVALID`: not JSON, too large, schema ' +
              'mismatch) or the protocol version is not supported (`LB_ERR_PROTOCOL_VERSION`).',
          ),
          401: errorResponse('The secret is wrong or revoked (`LB_ERR_ENROLL_SECRET_INVALID`).'),
          ...errorResponses(),
        },
      },
      // the handler decodes with the protocol's strict codec (coded errors); the schema documents it
      validatorCompiler: () => (value: unknown) => ({ value }),
      bodyLimit: 16 * 1024,
      // unreadable bodies (not JSON, too large, wrong type) are invalid enrollments, with the same code
      errorHandler: (err, _request, reply) => {
        if (isLagebildError(err)) return sendError(reply, err.code, err.detail);
        if (err.statusCode && err.statusCode < 500)
          return sendError(reply, 'LB_ERR_ENROLL_INVALID', err.message);
        throw err;
      },
    },
    async (request, reply) => {
      const body = decodeEnrollRequest(request.body ?? null);
      if (body.protocol < MIN_PROTOCOL_VERSION || body.protocol > PROTOCOL_VERSION) {
        const range = `${MIN_PROTOCOL_VERSION}..${PROTOCOL_VERSION}`;
        return sendError(reply, 'LB_ERR_PROTOCOL_VERSION', `agent speaks ${body.protocol}, server ${range}`);
      }
      // only hashes are stored; a lookup by the hash of what was presented reveals nothing by its timing
      const secretId = await app.store.useEnrollSecret(hashSecret(body.secret), now());
      if (!secretId) {
        request.log.warn({ hostname: body.hostname }, 'enrollment with a wrong or revoked secret refused');
        return sendError(reply, 'LB_ERR_ENROLL_SECRET_INVALID');
      }
      const token = newToken();
      const result = await app.store.enrollDevice({
        newDeviceId: newDeviceId(),
        hardwareId: body.hardwareId,
        hostname: body.hostname,
        tokenHash: hashSecret(token),
        now: now(),
      });
      // a reinstalled agent got a new token: a connection still using the old one ends now
      if (!result.created)
        app.gateway.disconnect(result.deviceId, 'LB_ERR_AUTH_INVALID', 'the device was enrolled again');
      app.live.deviceChanged(result.deviceId);
      request.log.info(
        { deviceId: result.deviceId, hostname: body.hostname, created: result.created, secretId },
        result.created ? 'device enrolled' : 'device re-enrolled with a new token',
      );
      const response: EnrollResponse = { deviceId: result.deviceId, token, protocol: PROTOCOL_VERSION };
      return response;
    },
  );
}
