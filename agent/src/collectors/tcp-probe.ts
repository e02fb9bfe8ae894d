import type { ProbeConfig, ProbeData } from '@lagebild/shared';
import { type HostLookup, systemLookup } from './probe-resolve.js';
import { ProbeRun } from './probe-run.js';
import { openTcp, parseHostPort } from './tcp-connect.js';

/**
 * TCP connect probe of "host:port" (also "[v6]:port"): milestones dnsMs (when a name is resolved) and
 * connectMs; error classes dns, dns-timeout, refused, connect-timeout, connect.
 */
export async function tcpProbe(probe: ProbeConfig, lookup: HostLookup = systemLookup): Promise<ProbeData> {
  const run = new ProbeRun(probe);
  const hp = parseHostPort(probe.target);
  if (!hp) return run.finish('other', 'target must be host:port');
  try {
    (await openTcp(run, hp.host, hp.port, lookup)).destroy();
    return run.finish(null);
  } catch (e) {
    return run.fail(e);
  }
}
