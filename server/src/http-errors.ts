import { ERRORS, type ErrorCode, isLagebildError, LagebildError } from '@lagebild/shared';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './api-schemas.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  LB_ERR_NOT_FOUND: 404,
  LB_ERR_AUTH_MISSING: 401,
  LB_ERR_AUTH_INVALID: 401,
  LB_ERR_ENROLL_SECRET_INVALID: 401,
  LB_ERR_STORE_FAILED: 503,
  LB_ERR_SERVER_BUSY: 503,
  LB_ERR_INTERNAL: 500,
};

/** HTTP status for a catalogue code; protocol and input errors are 400. */
export function statusFor(code: ErrorCode): number {
  return STATUS[code] ?? 400;
}

/** Answers with a catalogue error. */
export function sendError(reply: FastifyReply, code: ErrorCode, detail?: string): FastifyReply {
  const statusCode = statusFor(code);
  const message = detail ? `${ERRORS[code].message}: ${detail}` : ERRORS[code].message;
  return reply.code(statusCode).send({ statusCode, code, message } satisfies ErrorBody);
}

/** A 400 for query or body values a route cannot use; same code as failed schema validation. */
export function requestInvalid(message: string): LagebildError {
  return new LagebildError('LB_ERR_REQUEST_INVALID', message);
}

/** Root error handler: catalogue errors keep their code; unexpected failures hide their internals. */
export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (isLagebildError(err)) {
    sendError(reply, err.code, err.detail);
    return;
  }
  const statusCode = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  if (statusCode >= 500) {
    request.log.error({ err }, 'request failed');
    reply
      .code(statusCode)
      .send({ statusCode, code: 'LB_ERR_INTERNAL', message: ERRORS.LB_ERR_INTERNAL.message });
    return;
  }
  // Fastify's own 4xx (schema validation, bad JSON, unsupported media type) keep their status and message
  const code: ErrorCode = statusCode === 404 ? 'LB_ERR_NOT_FOUND' : 'LB_ERR_REQUEST_INVALID';
  reply.code(statusCode).send({ statusCode, code, message: err.message });
}
