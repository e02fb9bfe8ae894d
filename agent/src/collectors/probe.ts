import { lookup } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import type { Capability, ProbeConfig, ProbeData, ProbeErrorClass } from '@lagebild/shared';
import type { Collector } from '../collector.js';
import { type HttpProbeTls, httpProbe } from './http-probe.js';
import { parseHostPort, tcpConnect } from './tcp-connect.js';

const ms = (v: number) => Math.round(v * 10) / 10;

function tcpErrorClass(code: string | undefined): ProbeErrorClass {
  if (code === 'TIMEOUT') return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') return 'dns';
  return 'connect';
}

/** Opens a TCP connection to "host:port" and times name resolution and handshake. */
export async function tcpProbe(probe: ProbeConfig): Promise<ProbeData> {
  const base = {
    kind: 'probe',
    probeId: probe.id,
    app: probe.app,
    probeKind: 'tcp',
    target: probe.target,
  } as const;
  const hp = parseHostPort(probe.target);
  if (!hp)
    return {
      ...base,
      ok: false,
      errorClass: 'other',
      errorMessage: 'target must be host:port',
      phases: { totalMs: 0 },
    };
  const r = await tcpConnect(hp.host, hp.port, probe.timeoutMs);
  const phases: ProbeData['phases'] = { totalMs: ms(r.totalMs) };
  if (r.dnsMs !== undefined) phases.dnsMs = ms(r.dnsMs);
  // phases are cumulative milestones: connected = resolved + handshake
  if (r.connectMs !== undefined) phases.connectMs = ms((r.dnsMs ?? 0) + r.connectMs);
  if (r.ok) return { ...base, ok: true, errorClass: null, phases };
  return {
    ...base,
    ok: false,
    errorClass: tcpErrorClass(r.code),
    errorMessage: (r.message ?? '').slice(0, 512),
    phases,
  };
}

/** Resolves a host name with the system resolver (as applications do) and times it. */
export async function dnsProbe(probe: ProbeConfig): Promise<ProbeData> {
  const base = {
    kind: 'probe',
    probeId: probe.id,
    app: probe.app,
    probeKind: 'dns',
    target: probe.target,
  } as const;
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), probe.timeoutMs);
  });
  try {
    const r = await Promise.race([lookup(probe.target), timeout]);
    const total = ms(performance.now() - t0);
    if (r === 'timeout') {
      const errorMessage = `no answer within ${probe.timeoutMs} ms`;
      return { ...base, ok: false, errorClass: 'timeout', errorMessage, phases: { totalMs: total } };
    }
    return { ...base, ok: true, errorClass: null, phases: { dnsMs: total, totalMs: total } };
  } catch (e) {
    const total = ms(performance.now() - t0);
    const errorMessage = (e as Error).message.slice(0, 512);
    return { ...base, ok: false, errorClass: 'dns', errorMessage, phases: { totalMs: total } };
  } finally {
    clearTimeout(timer);
  }
}

export interface ProbeCollectorOptions {
  tls?: HttpProbeTls;
  run?: (probe: ProbeConfig) => Promise<ProbeData>;
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
    this.run =
      options.run ??
      ((p) => (p.kind === 'http' ? httpProbe(p, options.tls) : p.kind === 'tcp' ? tcpProbe(p) : dnsProbe(p)));
  }

  async capability(): Promise<Capability> {
    return { name: 'probes', available: true };
  }

  async collect(): Promise<ProbeData[]> {
    return [await this.run(this.probe)];
  }
}
