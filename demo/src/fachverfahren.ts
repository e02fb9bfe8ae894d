import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProbeConfig } from '@lagebild/shared';

/** A stand-in for one business application: answers its health URL after a realistic delay. */
export interface FachverfahrenSpec {
  id: string;
  app: string;
  /** typical response time in ms */
  baseMs: number;
  /** extra random delay up to this many ms */
  jitterMs: number;
  /** share of requests answered with 503 */
  errorRate: number;
}

/** The applications the demo city runs (ids match the simulator's defaults). */
export const DEMO_APPS: FachverfahrenSpec[] = [
  { id: 'standesamt', app: 'Standesamt (OK.STA)', baseMs: 35, jitterMs: 25, errorRate: 0 },
  { id: 'einwohnermeldewesen', app: 'Einwohnermeldewesen', baseMs: 45, jitterMs: 30, errorRate: 0 },
  { id: 'bauportal', app: 'Bauportal', baseMs: 120, jitterMs: 120, errorRate: 0.03 },
  { id: 'finanzwesen', app: 'Finanzwesen (SAP)', baseMs: 80, jitterMs: 60, errorRate: 0 },
  { id: 'eakte', app: 'E-Akte', baseMs: 55, jitterMs: 40, errorRate: 0.01 },
];

export interface RunningFachverfahren {
  /** probe targets pointing at the running servers */
  probes: ProbeConfig[];
  close(): Promise<void>;
}

/** Starts one local HTTP server per application on 127.0.0.1 with an ephemeral port. */
export async function startFachverfahren(
  specs: FachverfahrenSpec[] = DEMO_APPS,
  intervalSec = 30,
): Promise<RunningFachverfahren> {
  const servers: Server[] = [];
  const probes: ProbeConfig[] = [];
  for (const spec of specs) {
    const server = createServer((req, res) => {
      const delay = spec.baseMs + Math.random() * spec.jitterMs;
      const timer = setTimeout(() => {
        const failing = Math.random() < spec.errorRate;
        res.writeHead(failing ? 503 : 200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(failing ? 'Wartung\n' : `${spec.app}: bereit\n`);
      }, delay);
      req.on('close', () => clearTimeout(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    probes.push({
      id: spec.id,
      app: spec.app,
      kind: 'http',
      target: `http://127.0.0.1:${port}/health`,
      intervalSec,
      timeoutMs: 10_000,
    });
  }
  return {
    probes,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}
