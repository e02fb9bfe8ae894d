import fp from 'fastify-plugin';
import Type from 'typebox';
import { LagebildMetrics } from '../metrics/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Prometheus metrics of this node */
    metrics: LagebildMetrics;
  }
}

/**
 * Decorates `app.metrics` and serves `GET /metrics` in the Prometheus text format: process, gateway and
 * ingest metrics of this node, Fachverfahren latency per app and group, fleet aggregates from the store.
 */
export default fp(
  async (app) => {
    // read at scrape time: the gateway and admission are registered after this plugin
    const metrics = new LagebildMetrics({
      store: app.store,
      log: app.log,
      sources: {
        agentConnections: () => app.gateway.connectedDevices().length,
        pendingHellos: () => app.admission.pendingHellos,
        connectsAccepted: () => app.admission.admitted,
        connectsRefused: () => app.admission.refused,
        liveSubscribers: () => app.live.subscriberCount,
      },
    });
    app.decorate('metrics', metrics);
    app.get(
      '/metrics',
      { schema: { response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }) } } },
      async (_request, reply) => {
        const body = await metrics.scrape();
        return reply.type(metrics.contentType).send(body);
      },
    );
  },
  { name: 'lagebild-metrics', dependencies: ['lagebild-store'] },
);
