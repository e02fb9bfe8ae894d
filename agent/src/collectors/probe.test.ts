import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeCollector } from './probe.js';
import {
  close,
  closedPort,
  listen,
  probeConfig,
  startDns,
  type TestDns,
} from './probe-fixtures.test-util.js';
import { resolverLookup } from './probe-resolve.js';

describe('probe collector', () => {
  let server: Server;
  let port = 0;
  let dns: TestDns;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    port = await listen(server);
    dns = await startDns({ 'ewo.stadt.test': { a: ['127.0.0.1'] } });
  });
  afterAll(async () => {
    await close(server);
    await dns.close();
  });

  it('runs the probe kind its configuration names, under the name probe:<id>', async () => {
    const collector = new ProbeCollector(probeConfig('tcp', `127.0.0.1:${port}`));
    expect(collector.name).toBe('probe:fv-tcp');
    expect(await collector.collect()).toMatchObject([{ kind: 'probe', probeKind: 'tcp', ok: true }]);
    expect(await collector.capability()).toEqual({ name: 'probes', available: true });
  });

  it('hands its resolver to every kind of probe', async () => {
    const lookup = resolverLookup([dns.server]);
    const kinds = [
      probeConfig('tcp', `ewo.stadt.test:${port}`),
      probeConfig('dns', 'ewo.stadt.test'),
      probeConfig('http', `http://ewo.stadt.test:${await closedPort()}/`),
    ];
    for (const config of kinds) {
      const [r] = await new ProbeCollector(config, { lookup }).collect();
      expect(r?.phases.dnsMs).toBeGreaterThanOrEqual(0);
    }
    expect(dns.queries.filter((q) => q === 'ewo.stadt.test A')).toHaveLength(3);
  });
});
