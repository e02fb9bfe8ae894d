import type { ProbeConfig } from '@lagebild/shared';
import { parseDnsTarget } from './dns-probe.js';
import { parseHostPort } from './tcp-connect.js';

/**
 * The host a probe talks to: URL host (http), host of host:port (tcp), the DNS server of a
 * dns://server/name target or else the name itself (dns); null if unreadable.
 */
export function probeHost(probe: Pick<ProbeConfig, 'kind' | 'target'>): string | null {
  const target = probe.target.trim();
  if (probe.kind === 'http') {
    try {
      return new URL(target).hostname.replace(/^\[|\]$/g, '') || null;
    } catch {
      return null;
    }
  }
  if (probe.kind === 'tcp') return parseHostPort(target)?.host ?? null;
  const dns = parseDnsTarget(target);
  if (!dns) return null;
  // dns://server/name asks that server: the route that matters is the one to the server
  if (dns.server) return new URL(`dns://${dns.server}`).hostname.replace(/^\[|\]$/g, '');
  return dns.name.replace(/\.$/, '');
}

/** The distinct Fachverfahren hosts of a probe list, in config order (at most 256, as the protocol allows). */
export function routeHosts(probes: readonly Pick<ProbeConfig, 'kind' | 'target'>[]): string[] {
  const hosts = probes.map(probeHost).filter((h): h is string => h !== null && h.length <= 255);
  return [...new Set(hosts.map((h) => h.toLowerCase()))].slice(0, 256);
}
