import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandFrame } from '@lagebild/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';
import { FakeServer } from './fake-server.test-util.js';
import { Outbox } from './outbox.js';
import type { Stamped } from './scheduler.js';
import { AgentState, type Credentials } from './state.js';
import { Transport, type TransportOptions } from './transport.js';

const vpn = (ts: number): Stamped => ({
  ts,
  data: {
    kind: 'vpn',
    change: false,
    state: 'up',
    vendor: 'WireGuard',
    interface: 'wg0',
    addresses: ['10.8.0.2'],
    since: ts,
  },
});
const observations = (n: number) => Array.from({ length: n }, (_, i) => vpn(1_700_000_000_000 + i));

describe('transport against a protocol-speaking WebSocket server', () => {
  let dir: string;
  let server: FakeServer;
  let outbox: Outbox;
  let transport: Transport | undefined;
  let creds: Credentials;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-transport-'));
    server = await FakeServer.start();
    server.tokens.add('token-0-xxxxxxxxxxxxxxxxxxxx');
    creds = { serverUrl: server.url, deviceId: 'dev-1', token: 'token-0-xxxxxxxxxxxxxxxxxxxx' };
    outbox = Outbox.open(AgentState.open(dir));
  });
  afterEach(async () => {
    await transport?.stop(0);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (over: Partial<TransportOptions> = {}) => {
    transport = new Transport({
      serverUrl: server.url,
      credentials: () => creds,
      outbox,
      capabilities: async () => [{ name: 'vpn', available: true }],
      backoff: new Backoff({ baseMs: 20, capMs: 100 }),
      ...over,
    });
    transport.start();
    return transport;
  };

  it('says hello, sends waiting observations as a batch and forgets them after the ack', async () => {
    outbox.push(observations(3));
    connect({ configVersion: () => 4 });
    await server.until(() => server.stored === 3 && outbox.size() === 0);
    expect(server.hellos[0]).toMatchObject({
      type: 'hello',
      protocol: 1,
      deviceId: 'dev-1',
      token: creds.token,
      capabilities: [{ name: 'vpn', available: true }],
      configVersion: 4,
    });
    expect(server.seqs).toEqual([1, 2, 3]);
    outbox.push(observations(1));
    await server.until(() => server.stored === 4 && outbox.size() === 0);
  });

  it('sends a large backlog in batches of at most 200, in order', async () => {
    outbox.push(observations(450));
    connect();
    await server.until(() => server.stored === 450 && outbox.size() === 0);
    expect(server.seqs).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    expect(server.batchSizes).toEqual([200, 200, 50]);
  });

  it('resends after a reconnect what the server did not acknowledge', async () => {
    server.autoAck = false;
    outbox.push(observations(2));
    connect();
    await server.until(() => server.seqs.length === 2);
    server.autoAck = true;
    server.drop();
    await server.until(() => server.stored === 2 && outbox.size() === 0);
    expect(server.seqs).toEqual([1, 2, 1, 2]);
    expect(server.hellos).toHaveLength(2);
  });

  it('waits as long as the server asks before it tries again', async () => {
    server.refuseNext = { code: 'LB_ERR_SERVER_BUSY', retryAfterMs: 400 };
    const started = Date.now();
    connect();
    await server.until(() => server.hellos.length === 2, 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('tries again at once when nudged (resume) instead of waiting out its backoff', async () => {
    server.refuseNext = { code: 'LB_ERR_SERVER_BUSY' };
    const t = connect({ backoff: new Backoff({ baseMs: 60_000, capMs: 60_000 }) });
    await server.until(() => server.hellos.length === 1, 3000);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.connected).toBe(false);
    t.nudge();
    await server.until(() => server.hellos.length === 2, 2000);
    await server.until(() => t.connected, 2000);
  });

  it('keeps a live connection when a nudge finds the server answering', async () => {
    const t = connect();
    await server.until(() => t.connected, 3000);
    t.nudge(300);
    await new Promise((r) => setTimeout(r, 600));
    expect(t.connected).toBe(true);
    expect(server.hellos.length).toBe(1);
  });

  it('enrolls again once when the server refuses the token, then connects with the new one', async () => {
    creds = { ...creds, token: 'revoked-token-xxxxxxxxxx' };
    let reenrolls = 0;
    connect({
      reenroll: async () => {
        reenrolls++;
        creds = { ...creds, token: 'token-0-xxxxxxxxxxxxxxxxxxxx' };
      },
    });
    await server.until(() => transport?.connected === true);
    expect(reenrolls).toBe(1);
    expect(server.hellos.map((h) => h.token)).toEqual([
      'revoked-token-xxxxxxxxxx',
      'token-0-xxxxxxxxxxxxxxxxxxxx',
    ]);
  });

  it('hands commands on and ignores those that expired on the way', async () => {
    const commands: string[] = [];
    connect({ onCommand: (cmd) => commands.push(cmd.id) });
    await server.until(() => transport?.connected === true);
    const cmd = (id: string, expiresAt: number): CommandFrame => ({
      type: 'command',
      id,
      check: 'checkNow',
      expiresAt,
    });
    server.send(cmd('old', Date.now() - 1000));
    server.send(cmd('fresh', Date.now() + 10_000));
    await server.until(() => commands.length > 0);
    expect(commands).toEqual(['fresh']);
  });

  it('sends what is waiting and closes cleanly on stop', async () => {
    connect();
    await server.until(() => transport?.connected === true);
    outbox.push(observations(2));
    await transport?.stop(1000);
    expect(server.stored).toBe(2);
    await server.until(() => server.closeCodes.length === 1);
    expect(server.closeCodes).toEqual([1000]);
  });
});
