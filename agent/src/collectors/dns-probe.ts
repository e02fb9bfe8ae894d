import { isIP } from 'node:net';
import type { ProbeConfig, ProbeData } from '@lagebild/shared';
import { type HostLookup, resolveHost, resolverLookup, systemLookup, unbracket } from './probe-resolve.js';
import { ProbeRun } from './probe-run.js';

/** A DNS probe target: a host name, asked of the system resolver or of the given DNS servers. */
export interface DnsTarget {
  name: string;
  /** "10.1.2.3", "10.1.2.3:5353" or "[fd00::53]:53"; absent: the system resolver */
  server?: string;
}

const HOST_NAME =
  /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;

/**
 * Reads "name" or "dns://server[:port]/name" (the server as an IP address, IPv6 in brackets), e.g.
 * `dns://10.20.0.53/ewo.stadt.local` to check the city's internal DNS itself; null when malformed.
 */
export function parseDnsTarget(target: string): DnsTarget | null {
  const t = target.trim();
  const isName = (n: string) => HOST_NAME.test(n) && isIP(n) === 0;
  if (!t.toLowerCase().startsWith('dns://')) return isName(t) ? { name: t } : null;
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return null;
  }
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const address = unbracket(url.hostname);
  if (!isName(name) || isIP(address) === 0 || url.search || url.hash) return null;
  return { name, server: url.port ? `${url.hostname}:${url.port}` : url.hostname };
}

/**
 * DNS probe: resolves the name's A and AAAA records (only one of them with `ipVersion`) within the
 * timeout. ok when at least one address came back; `dns` when the name has none (NXDOMAIN, no
 * records), `dns-timeout` when the resolver did not answer.
 */
export async function dnsProbe(probe: ProbeConfig, lookup: HostLookup = systemLookup): Promise<ProbeData> {
  const run = new ProbeRun(probe);
  const target = parseDnsTarget(probe.target);
  if (!target) return run.finish('other', 'target must be a host name or dns://server/name');
  try {
    await resolveHost(run, target.name, target.server ? resolverLookup([target.server]) : lookup);
    // a DNS probe connects nowhere; its IP version is the one it asked for, if any
    run.ipVersion = probe.ipVersion;
    return run.finish(null);
  } catch (e) {
    return run.fail(e);
  }
}
