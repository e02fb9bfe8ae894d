import type { Capability, ProbeConfig, ProbeData } from '@lagebild/shared';
import type { Collector } from '../collector.js';
import { dnsProbe } from './dns-probe.js';
import { type HttpProbeOptions, httpProbe } from './http-probe.js';
import { tcpProbe } from './tcp-probe.js';

export { dnsProbe } from './dns-probe.js';
export { tcpProbe } from './tcp-probe.js';

export interface ProbeCollectorOptions extends HttpProbeOptions {
  /** runs the probe; default by its kind (http, tcp, dns) */
  run?: (probe: ProbeConfig) => Promise<ProbeData>;
}

/** Runs one probe of any kind with the given trust and resolver. */
export function runProbe(probe: ProbeConfig, options: HttpProbeOptions = {}): Promise<ProbeData> {
  if (probe.kind === 'http') return httpProbe(probe, options);
  if (probe.kind === 'tcp') return tcpProbe(probe, options.lookup);
  return dnsProbe(probe, options.lookup);
}

/** Runs one configured Fachverfahren probe (http, tcp or dns). */
export class ProbeCollector implements Collector {
  readonly name: string;
  private readonly run: (probe: ProbeConfig) => Promise<ProbeData>;

  constructor(
    readonly probe: ProbeConfig,
    options: ProbeCollectorOptions = {},
  ) {
    this.name = `probe:${probe.id}`;
    this.run = options.run ?? ((p) => runProbe(p, options));
  }

  async capability(): Promise<Capability> {
    return { name: 'probes', available: true };
  }

  async collect(): Promise<ProbeData[]> {
    return [await this.run(this.probe)];
  }
}
