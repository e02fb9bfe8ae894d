import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

/**
 * Node's process metrics (CPU, memory, event loop, GC) prefixed `lagebild_`, in one registry per process.
 * They describe the process rather than an app, and prom-client starts an event-loop monitor and a GC
 * observer per collection that never stop: one set per process, however many apps a test builds.
 */
export function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared, prefix: 'lagebild_' });
    // gauges named like counters (promtool rejects them); the per-type gauges carry the same counts
    for (const kind of ['handles', 'requests', 'resources'])
      shared.removeSingleMetric(`lagebild_nodejs_active_${kind}_total`);
  }
  return shared;
}
