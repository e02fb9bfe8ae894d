import { performance } from 'node:perf_hooks';
import type { ProbeConfig, ProbeData, ProbeErrorClass, ProbePhases } from '@lagebild/shared';

/** The moments a probe passes, in this order; each becomes a cumulative milestone in the result. */
export type Milestone = 'dns' | 'connect' | 'tls' | 'firstByte';

/** A failed step of a probe: the error class the result will carry, and a readable message. */
export class ProbeFailure extends Error {
  constructor(
    readonly errorClass: ProbeErrorClass,
    message: string,
    /** the Node error code behind it, when there is one (ECONNREFUSED, ENOTFOUND, ...) */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ProbeFailure';
  }
}

const MAX_MS = 86_400_000;
/** Tenths of a millisecond: finer than any network phase worth telling apart, short on the wire. */
export const roundMs = (v: number): number => Math.min(MAX_MS, Math.max(0, Math.round(v * 10) / 10));

/**
 * One run of one probe: the start time, the milestones passed, the time budget (`signal` aborts when
 * `timeoutMs` is over) and what was learnt on the way (IP version, status, certificate expiry).
 */
export class ProbeRun {
  readonly t0 = performance.now();
  ipVersion: 4 | 6 | undefined;
  status: number | undefined;
  certExpiresAt: number | undefined;
  private readonly marks: Partial<Record<Milestone, number>> = {};
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private result: ProbeData | undefined;

  constructor(readonly probe: ProbeConfig) {
    this.timer = setTimeout(() => this.controller.abort(), probe.timeoutMs);
  }

  /** Aborts when the probe's time is up. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Notes the first time a milestone is reached. */
  mark(m: Milestone): void {
    this.marks[m] ??= performance.now();
  }

  /** Milliseconds since the start. */
  elapsed(): number {
    return performance.now() - this.t0;
  }

  /** Ends the run (once; later calls return the first result) and builds the observation. */
  finish(errorClass: ProbeErrorClass | null, errorMessage?: string): ProbeData {
    if (this.result) return this.result;
    const totalMs = this.elapsed();
    clearTimeout(this.timer);
    const phases: ProbePhases = { totalMs: roundMs(totalMs) };
    const at = (m: Milestone) => (this.marks[m] === undefined ? undefined : roundMs(this.marks[m] - this.t0));
    const dnsMs = at('dns');
    const connectMs = at('connect');
    const tlsMs = at('tls');
    const ttfbMs = at('firstByte');
    if (dnsMs !== undefined) phases.dnsMs = dnsMs;
    if (connectMs !== undefined) phases.connectMs = connectMs;
    if (tlsMs !== undefined) phases.tlsMs = tlsMs;
    if (ttfbMs !== undefined) phases.ttfbMs = ttfbMs;
    const p = this.probe;
    const data: ProbeData = {
      kind: 'probe',
      probeId: p.id,
      app: p.app,
      probeKind: p.kind,
      target: p.target,
      ok: errorClass === null,
      errorClass,
      phases,
    };
    if (errorMessage !== undefined) data.errorMessage = errorMessage.slice(0, 512);
    if (this.status !== undefined) data.status = this.status;
    if (this.certExpiresAt !== undefined) data.certExpiresAt = this.certExpiresAt;
    if (this.ipVersion !== undefined) data.ipVersion = this.ipVersion;
    this.result = data;
    return data;
  }

  /** Ends the run with whatever went wrong: a ProbeFailure keeps its class, anything else is `other`. */
  fail(e: unknown): ProbeData {
    if (e instanceof ProbeFailure) return this.finish(e.errorClass, e.message);
    return this.finish('other', e instanceof Error ? e.message : String(e));
  }

  /**
   * Settles like `work`, unless the time runs out first: then `cancel` is called and the promise
   * rejects with `errorClass` (the step decides: dns-timeout, connect-timeout or timeout).
   */
  beforeDeadline<T>(
    work: Promise<T>,
    errorClass: ProbeErrorClass,
    what: string,
    cancel?: () => void,
  ): Promise<T> {
    const signal = this.signal;
    const message = `${what} within ${this.probe.timeoutMs} ms`;
    if (signal.aborted) {
      cancel?.();
      work.catch(() => {});
      return Promise.reject(new ProbeFailure(errorClass, message));
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        cancel?.();
        reject(new ProbeFailure(errorClass, message));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }
}
