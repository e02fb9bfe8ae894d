import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../metrics/test-support.js';
import { connectAgent, enroll, fakeClock, identity, probe, startApp, vpn } from '../test-support/fixtures.js';
import type { FrameSocket } from '../test-support/frame-socket.js';

const run = requireTool('prometheus', 'a real Prometheus scraping /metrics');

/** A loopback port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

describe.runIf(run)('a real Prometheus scraping /metrics', () => {
  const clock = fakeClock();
  const T0 = clock.now();
  const sockets: FrameSocket[] = [];
  let app: FastifyInstance;
  let prometheus: ChildProcess;
  let promUrl: string;
  let dir: string;
  let log = '';

  async function query(expr: string): Promise<VectorResult[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as {
      status: string;
      data: { resultType: string; result: VectorResult[] };
    };
    expect(body.status).toBe('success');
    return body.data.result;
  }

  /** The value of a query that yields one series; undefined while it yields none. */
  async function scalar(expr: string): Promise<number | undefined> {
    const result = await query(expr);
    if (result.length === 0) return undefined;
    expect(result).toHaveLength(1);
    return Number(result[0]!.value[1]);
  }

  beforeAll(async () => {
    const started = await startApp({ now: clock.now });
    app = started.app;
    for (const [hw, host, site, gateway] of [
      ['hw-1', 'nb-1', 'Rathaus', 'vpn-gw-1.stadt.example'],
      ['hw-2', 'nb-2', 'Bürgerbüro Nord', 'vpn-gw-1.stadt.example'],
      ['hw-3', 'nb-3', 'Rathaus', 'vpn-gw-2.stadt.example'],
    ] as const) {
      const { socket } = await connectAgent(started.ws, await enroll(app, hw, host));
      sockets.push(socket);
      socket.send({
        type: 'batch',
        observations: [
          identity(1, T0, { hostname: host.toUpperCase(), site }),
          vpn(2, T0, 'up', { gateway }),
          probe(3, T0 + 1),
          probe(4, T0 + 2, {
            ok: false,
            errorClass: 'timeout',
            status: undefined,
            phases: { totalMs: 10_000 },
          }),
        ],
      });
      expect(await socket.next()).toMatchObject({ type: 'ack', seq: 4 });
    }
    await enroll(app, 'hw-4', 'nb-4'); // enrolled, never online

    dir = mkdtempSync(join(tmpdir(), 'lagebild-prometheus-'));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const target = new URL(started.http).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: lagebild',
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (d) => (log += d));
    prometheus.stderr?.on('data', (d) => (log += d));
    // up == 1 once a scrape of the server succeeded
    const deadline = Date.now() + 45_000;
    while ((await scalar('up{job="lagebild"}').catch(() => undefined)) !== 1) {
      if (prometheus.exitCode !== null)
        throw new Error(`prometheus exited (${prometheus.exitCode}):\n${log}`);
      if (Date.now() > deadline) throw new Error(`prometheus did not scrape the server in time:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      const timer = setTimeout(() => prometheus.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    for (const s of sockets) s.ws.terminate();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the server and answers lagebild_devices_online with what the server knows', async () => {
    const known = await app.store.fleetMetrics();
    expect(known.online).toBe(3);
    expect(await scalar('lagebild_devices_online{job="lagebild"}'), log).toBe(known.online);
    expect(await scalar('lagebild_devices{job="lagebild"}')).toBe(known.devices);

    // a change on the server reaches Prometheus with the next scrapes
    sockets[2]!.ws.close();
    await expect.poll(async () => (await app.store.fleetMetrics()).online, { timeout: 5000 }).toBe(2);
    await expect
      .poll(() => scalar('lagebild_devices_online{job="lagebild"}'), { timeout: 15_000, interval: 250 })
      .toBe(2);
  });

  it('answers aggregations over the probe and VPN series', async () => {
    expect(await scalar('sum(lagebild_probe_runs_total{group_kind="site"})')).toBe(6);
    expect(await scalar('sum(lagebild_probe_errors_total{group_kind="gateway",error_class="timeout"})')).toBe(
      3,
    );
    const perSite = await query(
      'sum by (group) (lagebild_probe_runs_total{group_kind="site",app="Standesamt"})',
    );
    expect(Object.fromEntries(perSite.map((r) => [r.metric.group, Number(r.value[1])]))).toEqual({
      Rathaus: 4,
      'Bürgerbüro Nord': 2,
    });
    const p50 = await scalar(
      'histogram_quantile(0.5, sum by (le) (lagebild_probe_duration_seconds_bucket{group_kind="gateway"}))',
    );
    // all answered runs took 90 ms: the median lies in the 50–100 ms bucket
    expect(p50).toBeGreaterThan(0.05);
    expect(p50).toBeLessThanOrEqual(0.1);
    expect(await scalar('sum(lagebild_vpn_devices{gateway="vpn-gw-1.stadt.example",state="up"})')).toBe(2);
  });
});
