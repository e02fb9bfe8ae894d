import {
  AGENT_WS_PATH,
  type Capability,
  ENROLL_PATH,
  type EnrollResponse,
  type Observation,
  PROTOCOL_VERSION,
} from '@lagebild/shared';
import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from '../app.js';
import { FrameSocket } from './frame-socket.js';

export const SECRET = 'test-enroll-secret';

/** A fake clock the tests move by hand. */
export function fakeClock(start = Date.UTC(2025, 0, 15, 9, 0, 0)) {
  let t = start;
  const now = () => t;
  return { now, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

/** An app on an ephemeral loopback port, no dashboard, quick live pushes. */
export async function startApp(options: AppOptions = {}) {
  const app = await buildApp({ enrollSecrets: [SECRET], dashboardDir: false, liveFlushMs: 20, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { app, ws: `ws://127.0.0.1:${address.port}`, http: `http://127.0.0.1:${address.port}` };
}

/** Enrolls through the real endpoint. */
export async function enroll(
  app: FastifyInstance,
  hardwareId = 'hw-1',
  hostname = 'nb-0001',
): Promise<EnrollResponse> {
  const res = await app.inject({
    method: 'POST',
    url: ENROLL_PATH,
    payload: { secret: SECRET, hardwareId, hostname, protocol: PROTOCOL_VERSION },
  });
  if (res.statusCode !== 200) throw new Error(`enroll failed: ${res.statusCode} ${res.body}`);
  return res.json() as EnrollResponse;
}

export const CAPABILITIES: Capability[] = [
  { name: 'vpn', available: true },
  { name: 'securityKey', available: false, reason: 'node-hid not loadable' },
];

export function hello(deviceId: string, token: string, overrides: Record<string, unknown> = {}) {
  return {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agentVersion: '0.1.0',
    deviceId,
    token,
    capabilities: CAPABILITIES,
    ...overrides,
  };
}

/** Connects an enrolled agent and consumes welcome + config. */
export async function connectAgent(wsBase: string, creds: EnrollResponse) {
  const socket = await FrameSocket.open(`${wsBase}${AGENT_WS_PATH}`);
  socket.send(hello(creds.deviceId, creds.token));
  const welcome = await socket.next();
  const config = await socket.next();
  return { socket, welcome, config };
}

// ---- observations ----

export function identity(seq: number, ts: number, o: Partial<Observation> = {}): Observation {
  return {
    seq,
    ts,
    kind: 'identity',
    hostname: 'NB-0001',
    serial: 'SN-ABC-1',
    os: 'windows',
    osVersion: '11',
    osBuild: '22631',
    manufacturer: 'Lenovo',
    model: 'T14',
    agentVersion: '0.1.0',
    ...o,
  } as Observation;
}

export function vpn(
  seq: number,
  ts: number,
  state: 'up' | 'down' | 'degraded',
  o: Partial<Observation> = {},
) {
  return {
    seq,
    ts,
    kind: 'vpn',
    change: true,
    state,
    vendor: 'WireGuard',
    interface: 'wg0',
    addresses: ['10.8.0.2'],
    since: ts,
    gateway: 'vpn-gw-1.stadt.example',
    gatewayRttMs: 12.5,
    changesLastHour: 1,
    ...o,
  } as Observation;
}

export function probe(seq: number, ts: number, o: Record<string, unknown> = {}): Observation {
  return {
    seq,
    ts,
    kind: 'probe',
    probeId: 'standesamt',
    app: 'Standesamt',
    probeKind: 'http',
    target: 'https://standesamt.stadt.example/health',
    ok: true,
    errorClass: null,
    status: 200,
    phases: { dnsMs: 3, connectMs: 10, tlsMs: 20, ttfbMs: 50, totalMs: 90 },
    ...o,
  } as Observation;
}

export function securityKey(seq: number, ts: number, present: boolean): Observation {
  return {
    seq,
    ts,
    kind: 'securityKey',
    change: true,
    available: true,
    present,
    keys: present
      ? [
          {
            vendor: 'Yubico',
            product: 'YubiKey 5 NFC',
            vendorId: 0x1050,
            productId: 0x0407,
            interfaces: ['FIDO'],
          },
        ]
      : [],
  };
}

export function health(seq: number, ts: number): Observation {
  return {
    seq,
    ts,
    kind: 'health',
    cpuPct: 12,
    memPct: 48,
    link: 'wifi',
    wifiSignalPct: 70,
    uptimeSec: 3600,
  };
}
