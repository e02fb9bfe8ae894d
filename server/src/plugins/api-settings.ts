import { ProbeConfig, ProbeData, schemaProblems, Timestamp } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { bodyErrors, described, errorResponse, errorResponses, Settings, Tag } from '../api-schemas.js';
import { ProbeConfigError } from '../probe-config/validate.js';
import { PREVIEW_MAX_MS, previewProbe } from '../probe-preview/preview-probe.js';

const ProbePreview = Type.Object({
  ranAt: Timestamp,
  from: Type.Literal('server', { description: 'Where the probe ran: the server, not a notebook.' }),
  result: ProbeData,
});

/** GET /settings (what the server options set) and POST /config/probes/preview, under /api/v1. */
export default async function settingsApi(app: FastifyInstance): Promise<void> {
  const options = app.lagebild;

  app.get(
    '/settings',
    {
      schema: {
        tags: [Tag.config],
        operationId: 'getSettings',
        summary: 'Effective server settings',
        description:
          'Retention periods and session lifetimes as the server options set them; read-only (change them ' +
          'with the server options and restart).',
        response: { 200: described(Settings, 'The settings in effect.'), ...errorResponses() },
      },
    },
    async () => ({
      retention: { ...options.retention },
      sessions: { idleMs: options.sessionIdleMs, absoluteMs: options.sessionAbsoluteMs },
      retentionIntervalMs: options.retentionIntervalMs,
    }),
  );

  app.post<{ Body: ProbeConfig }>(
    '/config/probes/preview',
    {
      schema: {
        tags: [Tag.config],
        operationId: 'previewProbe',
        summary: 'Run one probe from the server',
        description:
          'Runs the given probe target once from the server (not from a notebook) and answers with its ' +
          `phases, status and error class; at most ${PREVIEW_MAX_MS / 1000} s. Validated like ` +
          '`PUT /api/v1/config/probes`. Nothing is stored or pushed.',
        body: ProbeConfig,
        response: {
          200: described(ProbePreview, 'The probe ran; `result.ok` tells whether it succeeded.'),
          ...bodyErrors(),
          400: errorResponse('The probe target is not valid (`LB_ERR_REQUEST_INVALID`).'),
        },
      },
      // strict like PUT /config/probes: no coercion, no unknown fields
      validatorCompiler: () => (data: unknown) => {
        const problems = schemaProblems(ProbeConfig, data, 'body');
        return problems.length > 0 ? { error: new ProbeConfigError(problems.join('; ')) } : { value: data };
      },
    },
    async (request) => {
      const ranAt = options.now();
      const result = await previewProbe(request.body);
      request.log.info(
        { target: result.target, ok: result.ok, errorClass: result.errorClass, by: request.user?.name },
        'probe preview',
      );
      return { ranAt, from: 'server' as const, result };
    },
  );
}
