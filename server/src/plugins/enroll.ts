import {
  decodeEnrollRequest,
  ENROLL_PATH,
  type EnrollResponse,
  isLagebildError,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
} from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
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
