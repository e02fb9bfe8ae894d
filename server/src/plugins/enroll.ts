import {
  decodeEnrollRequest,
  ENROLL_PATH,
  type EnrollResponse,
  isLagebildError,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
} from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { hashSecret, newDeviceId, newToken, secretMatches } from '../gateway/credentials.js';
import { sendError } from '../http-errors.js';

/** POST /v1/enroll: an enrollment secret buys a device id and a fresh token (only its hash is kept). */
export default async function enroll(app: FastifyInstance): Promise<void> {
  const { enrollSecrets, now } = app.lagebild;
  if (enrollSecrets.length === 0) app.log.warn('no enrollment secret configured: no notebook can enroll');

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
      if (!secretMatches(body.secret, enrollSecrets)) {
        request.log.warn({ hostname: body.hostname }, 'enrollment with a wrong secret refused');
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
      app.live.deviceChanged(result.deviceId);
      request.log.info(
        { deviceId: result.deviceId, hostname: body.hostname, created: result.created },
        result.created ? 'device enrolled' : 'device re-enrolled with a new token',
      );
      const response: EnrollResponse = { deviceId: result.deviceId, token, protocol: PROTOCOL_VERSION };
      return response;
    },
  );
}
