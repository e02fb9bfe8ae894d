import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AGENT_WS_PATH,
  type CheckName,
  type CommandResultFrame,
  type ConfigFrame,
  decodeAgentFrame,
  decodeEnrollRequest,
  ENROLL_PATH,
  encodeFrame,
  errorFrame,
  isLagebildError,
  type Observation,
  PROTOCOL_VERSION,
  type ServerFrame,
} from '@lagebild/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Fleet, startFleet } from './fleet.js';

const SECRET = 'test-enroll-secret';

const CONFIG: ConfigFrame = {
  type: 'config',
  version: 3,
  probes: [
    {
      id: 'testamt',
      app: 'Testamt',
      kind: 'http',
      target: 'https://testamt.test/',
      intervalSec: 5,
      timeoutMs: 5_000,
    },
    {
      id: 'bauportal',
      app: 'Bauportal',
      kind: 'http',
      target: 'https://bau.test/',
      intervalSec: 5,
      timeoutMs: 5_000,
    },
  ],
  intervals: { healthSec: 5, vpnSec: 1, securityKeySec: 1 },
};

/** A minimal Lagebild protocol server: validates every frame, stores each (device, seq) once, acks. */
class ProtocolServer {
  readonly stored = new Map<string, Observation[]>();
  readonly duplicates = new Map<string, number>();
  readonly violations: string[] = [];
  readonly commandResults: (CommandResultFrame & { at: number })[] = [];
  readonly open = new Set<WebSocket>();
  readonly byDevice = new Map<string, WebSocket>();
  /** devices whose next hello is answered with LB_ERR_SERVER_BUSY */
  readonly busyOnce = new Set<string>();
  /** devices whose every hello is answered with LB_ERR_SERVER_BUSY */
  readonly busyAlways = new Set<string>();
  config: ConfigFrame | null = CONFIG;
  private readonly devices = new Map<string, { deviceId: string; token: string }>();
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  url = '';

  constructor() {
    this.http = createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== ENROLL_PATH) return res.writeHead(404).end();
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const reply = (status: number, value: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        try {
          const r = decodeEnrollRequest(JSON.parse(body));
          if (r.secret !== SECRET) return reply(401, { code: 'LB_ERR_ENROLL_SECRET_INVALID', message: 'no' });
          const known = this.devices.get(r.hardwareId);
          const deviceId = known?.deviceId ?? `dev-${this.devices.size + 1}`;
          const device = { deviceId, token: randomBytes(24).toString('hex') };
          this.devices.set(r.hardwareId, device);
          reply(200, { ...device, protocol: PROTOCOL_VERSION });
        } catch (e) {
          reply(400, { code: isLagebildError(e) ? e.code : 'LB_ERR_ENROLL_INVALID', message: String(e) });
        }
      });
    });
    this.http.on('upgrade', (req, socket, head) => {
      if (req.url !== AGENT_WS_PATH) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const ws of this.open) ws.terminate();
    await new Promise((r) => this.http.close(r));
  }

  maxSeq(deviceId: string): number {
    return this.stored.get(deviceId)?.at(-1)?.seq ?? 0;
  }

  command(deviceId: string, id: string, check: CheckName): void {
    this.byDevice
      .get(deviceId)
      ?.send(encodeFrame({ type: 'command', id, check, expiresAt: Date.now() + 10_000 }));
  }

  private accept(ws: WebSocket): void {
    this.open.add(ws);
    let deviceId: string | null = null;
    const send = (f: ServerFrame) => ws.send(encodeFrame(f));
    ws.on('close', () => this.open.delete(ws));
    ws.on('message', (raw) => {
      let frame: ReturnType<typeof decodeAgentFrame>;
      try {
        frame = decodeAgentFrame(raw as Buffer);
      } catch (e) {
        if (!isLagebildError(e)) throw e;
        this.violations.push(e.message);
        send(errorFrame(e.code, e.detail));
        return ws.close(e.closeCode);
      }
      if (frame.type === 'hello') {
        const known = [...this.devices.values()].find((d) => d.deviceId === frame.deviceId);
        if (!known || known.token !== frame.token) {
          send(errorFrame('LB_ERR_AUTH_INVALID'));
          return ws.close(4401);
        }
        if (this.busyOnce.delete(frame.deviceId) || this.busyAlways.has(frame.deviceId)) {
          send(errorFrame('LB_ERR_SERVER_BUSY', undefined, 50));
          return ws.close(1013);
        }
        deviceId = frame.deviceId;
        this.byDevice.set(deviceId, ws);
        send({
          type: 'welcome',
          protocol: 1,
          serverVersion: 'test',
          deviceId,
          ackSeq: this.maxSeq(deviceId),
          heartbeatSec: 30,
        });
        if (this.config) send(this.config);
        return;
      }
      if (!deviceId) {
        this.violations.push(`${frame.type} before welcome`);
        return ws.close(4400);
      }
      if (frame.type === 'commandResult') {
        this.commandResults.push({ ...frame, at: Date.now() });
        return;
      }
      const list = this.stored.get(deviceId) ?? [];
      this.stored.set(deviceId, list);
      for (const o of frame.observations) {
        const max = list.at(-1)?.seq ?? 0;
        if (o.seq <= max) this.duplicates.set(deviceId, (this.duplicates.get(deviceId) ?? 0) + 1);
        else if (o.seq !== max + 1) this.violations.push(`${deviceId}: gap, seq ${o.seq} after ${max}`);
        else list.push(o);
      }
      send({ type: 'ack', seq: this.maxSeq(deviceId) });
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('a fleet of 50 simulated notebooks against a protocol server', () => {
  const server = new ProtocolServer();
  let fleet: Fleet;

  beforeAll(async () => {
    await server.listen();
    fleet = await startFleet({
      serverUrl: server.url,
      enrollSecret: SECRET,
      devices: 50,
      seed: 7,
      speed: 30,
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    await server.close();
  });

  it('connects every device, which reports identity first and then probes the pushed Fachverfahren', async () => {
    expect(fleet.stats().connected).toBe(50);
    await sleep(700);
    await fleet.waitForAcks(5_000);
    for (const d of fleet.devices) {
      const list = server.stored.get(d.id ?? '') ?? [];
      expect(list[0]).toMatchObject({ seq: 1, kind: 'identity', hostname: d.hostname, serial: d.serial });
      expect(list.slice(1, 4).map((o) => o.kind)).toEqual(['vpn', 'securityKey', 'health']);
    }
    const probeIds = new Set(
      [...server.stored.values()].flat().flatMap((o) => (o.kind === 'probe' ? [o.probeId] : [])),
    );
    expect(probeIds).toEqual(new Set(['testamt', 'bauportal']));
  });

  it('has the server store every seq exactly once, with none missing', async () => {
    await fleet.waitForAcks(5_000);
    expect(server.violations).toEqual([]);
    let acked = 0;
    for (const d of fleet.devices) {
      const seqs = (server.stored.get(d.id ?? '') ?? []).map((o) => o.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      // the fleet keeps reporting: a batch may be stored whose ack is still on its way
      expect(seqs.length).toBeGreaterThanOrEqual(d.lastAckSeq);
      expect(seqs.length).toBeLessThanOrEqual(d.sentSeq);
      acked += d.lastAckSeq;
    }
    expect([...server.duplicates.values()].reduce((s, n) => s + n, 0)).toBe(0);
    expect(fleet.stats()).toMatchObject({ acked, errors: 0 });
  });

  it('keeps measuring while a device is offline and resends everything unacknowledged when it is back', async () => {
    const d = fleet.devices[4];
    if (!d?.id) throw new Error('device 4 missing');
    const id = d.id;
    fleet.goOffline(4);
    await until(() => !server.byDevice.get(id) || !server.open.has(server.byDevice.get(id) as WebSocket));
    expect(d.connected).toBe(false);
    const storedWhileOffline = server.maxSeq(id);
    await sleep(400);
    expect(d.lastSeq).toBeGreaterThan(storedWhileOffline);
    expect(server.maxSeq(id)).toBe(storedWhileOffline);
    const measuredOffline = d.lastSeq;

    fleet.goOnline(4);
    await until(() => d.connected);
    await fleet.waitForAcks(5_000);
    const seqs = (server.stored.get(id) ?? []).map((o) => o.seq);
    expect(seqs.length).toBeGreaterThanOrEqual(measuredOffline);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(server.duplicates.get(id) ?? 0).toBe(0);
    expect(server.violations).toEqual([]);
    expect(fleet.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('answers checkNow with running, then done with fresh results within a second', async () => {
    const id = fleet.devices[0]?.id ?? '';
    const sentAt = Date.now();
    server.command(id, 'cmd-1', 'checkNow');
    await until(() => server.commandResults.some((r) => r.id === 'cmd-1' && r.status === 'done'), 2_000);
    const results = server.commandResults.filter((r) => r.id === 'cmd-1');
    expect(results.map((r) => r.status)).toEqual(['running', 'done']);
    const done = results[1] as CommandResultFrame & { at: number };
    expect(done.at - sentAt).toBeLessThan(1_000);
    expect(done.results.map((r) => (r.kind === 'probe' ? r.probeId : r.kind))).toEqual([
      'vpn',
      'securityKey',
      'health',
      'testamt',
      'bauportal',
    ]);
  });

  it('closes every socket on stop', async () => {
    expect(server.open.size).toBe(50);
    await fleet.stop();
    expect(fleet.stats().connected).toBe(0);
    await until(() => server.open.size === 0, 1_000);
    for (const d of fleet.devices) {
      const seqs = (server.stored.get(d.id ?? '') ?? []).map((o) => o.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(seqs.length).toBeGreaterThanOrEqual(d.lastAckSeq);
    }
    expect(server.violations).toEqual([]);
  });
});

describe('starting a fleet', () => {
  const server = new ProtocolServer();
  beforeAll(() => server.listen());
  afterAll(() => server.close());

  it('rejects a wrong enrollment secret at once, with LB_ERR_ENROLL_SECRET_INVALID', async () => {
    const started = Date.now();
    await expect(
      startFleet({ serverUrl: server.url, enrollSecret: 'wrong', devices: 3 }),
    ).rejects.toMatchObject({
      code: 'LB_ERR_ENROLL_SECRET_INVALID',
      message: expect.stringContaining('NB-STADT-000'),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('names the first failure when the server cannot be reached before the timeout', async () => {
    const closed = new ProtocolServer();
    await closed.listen();
    await closed.close();
    await expect(
      startFleet({ serverUrl: closed.url, enrollSecret: SECRET, devices: 2, startTimeoutMs: 400 }),
    ).rejects.toThrow(
      /0\/2 devices connected, timed out after 400 ms; first failure: NB-STADT-000\d .*ECONNREFUSED/,
    );
  });

  it('goes on at the start timeout with the devices that are in when told not to wait for all', async () => {
    const busy = new ProtocolServer();
    await busy.listen();
    // the second device to enrol is refused for as long as the test runs
    busy.busyAlways.add('dev-2');
    const progress: [number, number][] = [];
    try {
      const fleet = await startFleet({
        serverUrl: busy.url,
        enrollSecret: SECRET,
        devices: 3,
        startTimeoutMs: 1_500,
        waitForAll: false,
        onProgress: (connected, total) => progress.push([connected, total]),
      });
      try {
        expect(fleet.devices.filter((d) => d.connected).map((d) => d.hostname)).toHaveLength(2);
        expect(progress.at(-1)).toEqual([2, 3]);
      } finally {
        await fleet.stop();
      }
    } finally {
      await busy.close();
    }
  });

  it('backs off and reconnects after an error frame, then reports normally', async () => {
    const logs: string[] = [];
    // device ids are handed out in enrollment order: dev-1.. for this server's first fleet
    for (const id of ['dev-1', 'dev-2', 'dev-3']) server.busyOnce.add(id);
    const fleet = await startFleet({
      serverUrl: server.url,
      enrollSecret: SECRET,
      devices: 3,
      speed: 30,
      onLog: (l) => logs.push(l),
    });
    try {
      expect(fleet.stats()).toMatchObject({ connected: 3, errors: 3 });
      expect(fleet.stats().reconnects).toBeGreaterThanOrEqual(3);
      expect(logs.some((l) => l.includes('LB_ERR_SERVER_BUSY') && l.includes('reconnecting in'))).toBe(true);
      await sleep(200);
      await fleet.waitForAcks(3_000);
      expect(server.violations).toEqual([]);
    } finally {
      await fleet.stop();
    }
  });

  it.each([
    ['no config', null],
    ['a config without probes', { ...CONFIG, version: 0, probes: [] }],
  ])('probes the default Fachverfahren when the server pushes %s', async (_, config) => {
    const bare = new ProtocolServer();
    bare.config = config;
    await bare.listen();
    // speed 600: the default 60 s probe interval becomes 100 ms
    const fleet = await startFleet({
      serverUrl: bare.url,
      enrollSecret: SECRET,
      devices: 2,
      speed: 600,
      configGraceMs: 50,
    });
    try {
      await sleep(400);
      await fleet.waitForAcks(3_000);
      const apps = new Set(
        [...bare.stored.values()].flat().flatMap((o) => (o.kind === 'probe' ? [o.app] : [])),
      );
      expect(apps).toContain('Bauportal');
      expect(apps).toContain('Standesamt (OK.STA)');
    } finally {
      await fleet.stop();
      await bare.close();
    }
  });
});
