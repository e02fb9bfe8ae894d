import type { FastifyBaseLogger } from 'fastify';
import { Registry } from 'prom-client';
import type { IngestResult, Store } from '../store/store.js';
import { FleetGauges } from './fleet-metrics.js';
import { DEFAULT_PROBE_LIMITS, type ProbeLimits, ProbeMetrics } from './probe-metrics.js';
import { processRegistry } from './process-metrics.js';
import { ServerMetrics, type ServerSources } from './server-metrics.js';

/** What the agent gateway reports about each batch: committed (and how long the store took) or failed. */
export interface IngestObserver {
  batchStored(result: IngestResult, seconds: number): void;
  ingestFailed(): void;
}

export interface MetricsDeps {
  store: Store;
  sources: ServerSources;
  log: FastifyBaseLogger;
  probeLimits?: ProbeLimits;
}

/**
 * The metrics of one app, in registries of its own (never prom-client's global one: several apps in
 * one process must not share counters). Process metrics are the process's and shared.
 */
export class LagebildMetrics implements IngestObserver {
  /** the server's and the probes' metrics, joined with the process metrics */
  private readonly registry: Registry;
  /** fleet aggregates, shown only when the store answered for this scrape */
  private readonly fleetRegistry = new Registry();
  private readonly server: ServerMetrics;
  private readonly probes: ProbeMetrics;
  private readonly fleet: FleetGauges;

  constructor(private readonly deps: MetricsDeps) {
    const own = new Registry();
    this.server = new ServerMetrics(own, deps.sources);
    this.probes = new ProbeMetrics(own, deps.probeLimits ?? DEFAULT_PROBE_LIMITS, (label, value) =>
      deps.log.warn(
        { label, value },
        'too many distinct metric label values: further ones count as "(other)"',
      ),
    );
    this.fleet = new FleetGauges(this.fleetRegistry);
    this.registry = Registry.merge([processRegistry(), own]);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  batchStored(result: IngestResult, seconds: number): void {
    this.server.batchStored(result, seconds);
    this.probes.observe(result.samples, result.groups);
  }

  ingestFailed(): void {
    this.server.storeError('ingest');
  }

  /** The text a scrape gets; without the fleet aggregates (and with a store error counted) when the store fails. */
  async scrape(): Promise<string> {
    let fleet = '';
    try {
      this.fleet.set(await this.deps.store.fleetMetrics());
      fleet = await this.fleetRegistry.metrics();
    } catch (err) {
      // stale or zero fleet numbers would look real on a dashboard; missing ones show as gaps
      this.server.storeError('fleet_metrics');
      this.deps.log.error({ err }, 'metrics: reading the fleet aggregates failed');
    }
    return (await this.registry.metrics()) + fleet;
  }
}
