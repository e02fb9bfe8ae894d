import { createServer, type Server } from 'node:net';
import type { ProbeConfig } from '@lagebild/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsProbe, ProbeCollector, tcpProbe } from './probe.js';

const cfg = (kind: ProbeConfig['kind'], target: string): ProbeConfig => ({
  id: `fv-${kind}`,
  app: 'Einwohnerwesen',
  kind,
  target,
  intervalSec: 30,
  timeoutMs: 2000,
});

describe('TCP and DNS probes', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('times a TCP connection to a listening service', async () => {
    const r = await tcpProbe(cfg('tcp', `127.0.0.1:${port}`));
    expect(r).toMatchObject({ ok: true, errorClass: null, probeKind: 'tcp', probeId: 'fv-tcp' });
    expect(r.phases.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('classifies a TCP target without a listener as refused', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await tcpProbe(cfg('tcp', `127.0.0.1:${closedPort}`))).toMatchObject({
      ok: false,
      errorClass: 'refused',
    });
  });

  it('times name resolution with the system resolver', async () => {
    const r = await dnsProbe(cfg('dns', 'localhost'));
    expect(r).toMatchObject({ ok: true, probeKind: 'dns', target: 'localhost' });
    expect(r.phases.dnsMs).toBe(r.phases.totalMs);
  });

  it('runs the probe kind its configuration names', async () => {
    const collector = new ProbeCollector(cfg('tcp', `127.0.0.1:${port}`));
    expect(collector.name).toBe('probe:fv-tcp');
    expect(await collector.collect()).toMatchObject([{ kind: 'probe', probeKind: 'tcp', ok: true }]);
    expect(await collector.capability()).toEqual({ name: 'probes', available: true });
  });
});
