import fp from 'fastify-plugin';
import { ProbeConfigService } from '../probe-config/service.js';

/** Decorates `app.probeConfig` and stores the startup probe targets / intervals when they are new. */
export default fp(
  async (app) => {
    const service = new ProbeConfigService(app.store, app.lagebild.now);
    app.decorate('probeConfig', service);
    if (await service.seed(app.lagebild.probes, app.lagebild.intervals)) {
      const c = await service.current();
      app.log.info(
        { version: c.version, probes: c.probes.length },
        'probe config stored from startup options',
      );
    }
  },
  { name: 'lagebild-probe-config', dependencies: ['lagebild-store'] },
);
