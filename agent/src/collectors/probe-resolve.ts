import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ProbeErrorClass } from '@lagebild/shared';
import { ProbeFailure, type ProbeRun } from './probe-run.js';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** What a name lookup gets: the wanted IP version (none: both), the abort signal and the time left. */
export interface LookupOptions {
  family?: 4 | 6;
  signal: AbortSignal;
  timeoutMs: number;
}

/** Resolves a host name; rejects with a Node DNS error (its `code` tells the error class). */
export type HostLookup = (host: string, options: LookupOptions) => Promise<ResolvedAddress[]>;

/**
 * The operating system's resolver (getaddrinfo), as the Fachverfahren clients on the notebook use it:
 * hosts file, search domains, the VPN's DNS. Addresses come in the order the system prefers.
 */
export const systemLookup: HostLookup = async (host, { family }) => {
  const all = await lookup(host, { all: true, family: family ?? 0 });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

// which failure says the most: an unreachable resolver before a missing name before anything else
const RANK: Record<string, number> = { ETIMEOUT: 3, ECONNREFUSED: 3, ENOTFOUND: 2 };
const rank = (e: unknown) => RANK[(e as NodeJS.ErrnoException).code ?? ''] ?? 1;

/**
 * Asks the given DNS servers ("10.1.2.3", "10.1.2.3:5353", "[fd00::53]:53") directly, bypassing the
 * system resolver: A and AAAA records (IPv4 first), or only those of `family`.
 */
export function resolverLookup(servers: readonly string[]): HostLookup {
  return async (host, { family, signal, timeoutMs }) => {
    // one try with the whole remaining budget: the probe, not c-ares, decides when it is too late
    const resolver = new Resolver({ timeout: Math.max(1, Math.ceil(timeoutMs)), tries: 1 });
    resolver.setServers([...servers]);
    const cancel = () => resolver.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      const queries: Promise<ResolvedAddress[]>[] = [];
      if (family !== 6)
        queries.push(resolver.resolve4(host).then((a) => a.map((address) => ({ address, family: 4 }))));
      if (family !== 4)
        queries.push(resolver.resolve6(host).then((a) => a.map((address) => ({ address, family: 6 }))));
      const settled = await Promise.allSettled(queries);
      const found = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
      if (found.length > 0) return found;
      const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      throw errors.sort((a, b) => rank(b) - rank(a))[0] ?? new Error(`${host}: no address`);
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  };
}

const DNS_UNANSWERED = new Set(['ETIMEOUT', 'EAI_AGAIN', 'ECONNREFUSED']);

/**
 * `dns-timeout` when the resolver did not answer (c-ares ETIMEOUT, a closed resolver port, and
 * getaddrinfo's EAI_AGAIN, which is what glibc reports when its servers stay silent); `dns` when the
 * answer was that the name has no (such) address.
 */
export function dnsErrorClass(code: string | undefined): ProbeErrorClass {
  return DNS_UNANSWERED.has(code ?? '') ? 'dns-timeout' : 'dns';
}

/** Strips the brackets URL.hostname keeps around IPv6 addresses. */
export const unbracket = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

/**
 * Resolves the probe's host within its time budget and picks the first address (of the configured IP
 * version). An IP address is used as it is, without a lookup and without a `dns` milestone.
 */
export async function resolveHost(
  run: ProbeRun,
  host: string,
  lookupFn: HostLookup,
): Promise<ResolvedAddress> {
  const want = run.probe.ipVersion;
  const literal = isIP(host);
  if (literal === 4 || literal === 6) {
    if (want !== undefined && want !== literal)
      throw new ProbeFailure('other', `${host} is not an IPv${want} address`);
    return { address: host, family: literal };
  }
  let addresses: ResolvedAddress[];
  try {
    const timeoutMs = Math.max(1, run.probe.timeoutMs - run.elapsed());
    addresses = await run.beforeDeadline(
      lookupFn(host, { family: want, signal: run.signal, timeoutMs }),
      'dns-timeout',
      `no answer from the resolver for ${host}`,
    );
  } catch (e) {
    if (e instanceof ProbeFailure) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new ProbeFailure(dnsErrorClass(err.code), err.message || `${host}: ${err.code}`, err.code);
  }
  run.mark('dns');
  const first = addresses.find((a) => want === undefined || a.family === want);
  if (!first) throw new ProbeFailure('dns', `${host} has no IPv${want ?? ''} address`);
  return first;
}
