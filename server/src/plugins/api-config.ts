import { Intervals, ProbeConfig } from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { decodeProbeConfigBody, ProbeConfigBody } from '../probe-config/validate.js';

const ProbeConfigView = Type.Object({
  version: Type.Integer(),
  probes: Type.Array(ProbeConfig),
  intervals: Intervals,
});

/** GET and PUT /config/probes under /api/v1; a PUT reaches every connected agent as a config frame. */
export default async function configApi(app: FastifyInstance): Promise<void> {
  app.get('/config/probes', { schema: { response: { 200: ProbeConfigView } } }, async () => {
    const { version, probes, intervals } = await app.probeConfig.current();
    return { version, probes, intervals };
  });

  app.put<{ Body: ProbeConfigBody }>(
    '/config/probes',
    {
      schema: { body: ProbeConfigBody, response: { 200: ProbeConfigView } },
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
