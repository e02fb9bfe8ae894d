import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { IngestResult } from '../store/store.js';

/** What the server's own gauges and counters read at scrape time. */
export interface ServerSources {
  /** agent sessions past hello on this node */
  agentConnections(): number;
  /** agent connections admitted and still saying hello */
  pendingHellos(): number;
  /** connections admitted and refused by admission control since start (never decrease) */
  connectsAccepted(): number;
  connectsRefused(): number;
  /** dashboards subscribed to live pushes on this node */
  liveSubscribers(): number;
}

/** Where a store call failed: storing a batch, or reading the fleet aggregates for a scrape. */
export type StoreOperation = 'ingest' | 'fleet_metrics';

/** One batch commit takes well under a millisecond on SQLite; seconds mean a stalled database. */
export const INGEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The server's own metrics: connections, admission, ingest, live dashboards, store errors. */
export class ServerMetrics {
  private readonly batches: Counter;
  private readonly observations: Counter;
  private readonly ingestDuration: Histogram;
  private readonly storeErrors: Counter<'operation'>;

  constructor(registry: Registry, sources: ServerSources) {
    const registers = [registry];
    new Gauge({
      name: 'lagebild_agent_connections',
      help: 'Agent connections on this node that passed hello.',
      registers,
      collect() {
        this.set(sources.agentConnections());
      },
    });
    new Gauge({
      name: 'lagebild_agent_pending_hellos',
      help: 'Agent connections on this node admitted and not yet past hello.',
      registers,
      collect() {
        this.set(sources.pendingHellos());
      },
    });
    new Counter({
      name: 'lagebild_agent_connects_total',
      help: 'Agent connection attempts on this node, accepted or refused (LB_ERR_SERVER_BUSY) by admission control.',
      labelNames: ['result'],
      registers,
      collect() {
        // admission counts on its own; the counter mirrors it rather than keeping a second tally
        this.reset();
        this.inc({ result: 'accepted' }, sources.connectsAccepted());
        this.inc({ result: 'refused' }, sources.connectsRefused());
      },
    });
    new Gauge({
      name: 'lagebild_live_subscribers',
      help: 'Dashboards subscribed to live pushes on this node.',
      registers,
      collect() {
        this.set(sources.liveSubscribers());
      },
    });
    this.batches = new Counter({
      name: 'lagebild_batches_stored_total',
      help: 'Agent batches committed on this node (a resent batch counts again, its observations do not).',
      registers,
    });
    this.observations = new Counter({
      name: 'lagebild_observations_stored_total',
      help: 'Observations stored on this node.',
      registers,
    });
    this.ingestDuration = new Histogram({
      name: 'lagebild_ingest_duration_seconds',
      help: 'Time to store one agent batch (one transaction), as the gateway waits for it.',
      buckets: INGEST_BUCKETS,
      registers,
    });
    this.storeErrors = new Counter({
      name: 'lagebild_store_errors_total',
      help: 'Store calls that failed, by operation (ingest: the agent got LB_ERR_STORE_FAILED).',
      labelNames: ['operation'],
      registers,
    });
    // both series exist from the start, so rate() and alerts see the first error as an increase
    for (const operation of ['ingest', 'fleet_metrics'] satisfies StoreOperation[])
      this.storeErrors.inc({ operation }, 0);
  }

  batchStored(result: IngestResult, seconds: number): void {
    this.batches.inc();
    this.observations.inc(result.stored);
    this.ingestDuration.observe(seconds);
  }

  storeError(operation: StoreOperation): void {
    this.storeErrors.inc({ operation });
  }
}
