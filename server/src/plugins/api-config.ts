import { Intervals, ProbeConfig } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { bodyErrors, described, errorResponse, errorResponses, Tag } from '../api-schemas.js';
import { decodeProbeConfigBody, ProbeConfigBody } from '../probe-config/validate.js';

const ProbeConfigView = Type.Object({
  version: Type.Integer({ minimum: 0, description: 'Increases with every change; 0 = never configured.' }),
  probes: Type.Array(ProbeConfig),
  intervals: Intervals,
});

/** GET and PUT /config/probes under /api/v1; a PUT reaches every connected agent as a config frame. */
export default async function configApi(app: FastifyInstance): Promise<void> {
  app.get(
    '/config/probes',
    {
      schema: {
        tags: [Tag.config],
        operationId: 'getProbeConfig',
        summary: 'Current probe configuration',
        description: 'The Fachverfahren probe targets and collection intervals every agent runs with.',
        response: { 200: described(ProbeConfigView, 'The current version.'), ...errorResponses() },
      },
    },
    async () => {
      const { version, probes, intervals } = await app.probeConfig.current();
      return { version, probes, intervals };
    },
  );

  app.put<{ Body: ProbeConfigBody }>(
    '/config/probes',
    {
      schema: {
        tags: [Tag.config],
        operationId: 'replaceProbeConfig',
        summary: 'Replace the probe configuration',
        description:
          'Replaces all probe targets (and the intervals, when given; otherwise they are kept). The new ' +
          'version is pushed at once to every connected agent as a `config` frame. Validated strictly: ' +
          'no type coercion; unknown fields and duplicate probe ids are refused.',
        body: ProbeConfigBody,
        response: {
          200: described(ProbeConfigView, 'The new version, as pushed to the agents.'),
          ...bodyErrors(),
          400: errorResponse('The configuration is not valid (`LB_ERR_REQUEST_INVALID`); the old one stays.'),
        },
      },
      // strict like the agent protocol: no type coercion, unknown fields and duplicate ids are refused
      validatorCompiler: () => (data: unknown) => {
        try {
          return { value: decodeProbeConfigBody(data) };
        } catch (error) {
          return { error: error as Error };
        }
      },
    },
    async (request) => {
      const saved = await app.probeConfig.replace(request.body.probes, request.body.intervals);
      const agents = await app.gateway.pushConfig();
      request.log.info({ version: saved.version, agents }, 'probe config replaced and pushed');
      return { version: saved.version, probes: saved.probes, intervals: saved.intervals };
    },
  );
}
