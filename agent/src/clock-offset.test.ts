import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAgentFrame, encodeFrame, PROTOCOL_VERSION } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ClockOffset } from './clock-offset.js';
import { Outbox } from './outbox.js';
import { AgentState } from './state.js';
import { Transport } from './transport.js';

describe('clock offset estimate', () => {
  it('is unknown before the first round trip', () => {
    expect(new ClockOffset().offsetMs()).toBeNull();
  });

  it('takes the local midpoint of the round trip minus the server time', () => {
    const c = new ClockOffset();
    // sent at 10 000, answered at 10 040: the server read its clock (7 000) around 10 020
    c.add(10_000, 10_040, 7_000);
    expect(c.offsetMs()).toBe(3_020);
    expect(c.uncertaintyMs()).toBe(20);
  });

  it('trusts the shortest of the recent round trips', () => {
    const c = new ClockOffset({ keep: 3 });
    c.add(0, 400, 0); // slow answer: midpoint 200, off by up to 200
    c.add(1_000, 1_010, 1_000); // quick answer: midpoint 1 005
    c.add(2_000, 2_300, 2_000);
    expect(c.offsetMs()).toBe(5);
  });

  it('forgets round trips older than the last N, so a corrected clock shows soon', () => {
    const c = new ClockOffset({ keep: 2 });
    c.add(0, 2, 0); // offset 1, shortest
    c.add(10, 20, 10);
    c.add(20, 30, 20);
    expect(c.offsetMs()).toBe(5);
  });

  it('ignores a round trip during which the local clock was set back', () => {
    const c = new ClockOffset();
    c.add(5_000, 4_000, 3_000);
    expect(c.offsetMs()).toBeNull();
  });

  it('starts over after reset', () => {
    const c = new ClockOffset();
    c.add(0, 10, 0);
    c.reset();
    expect(c.offsetMs()).toBeNull();
  });
});

describe('clock offset from a real connection', () => {
  it('learns from welcome and ack frames that the local clock runs 5 s ahead of the server', async () => {
    const SERVER_BEHIND_MS = 5_000;
    const serverNow = () => Date.now() - SERVER_BEHIND_MS;
    const acksWithTime: number[] = [];
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/v1/agent' });
    wss.on('connection', (ws) => {
      ws.on('message', (raw: Buffer) => {
        const frame = decodeAgentFrame(raw);
        if (frame.type === 'hello') {
          // a slow welcome: its round trip is long, so only a quick ack can make the estimate precise
          setTimeout(
            () =>
              ws.send(
                encodeFrame({
                  type: 'welcome',
                  protocol: PROTOCOL_VERSION,
                  serverVersion: 'test',
                  deviceId: frame.deviceId,
                  ackSeq: 0,
                  heartbeatSec: 30,
                  serverTime: serverNow(),
                }),
              ),
            300,
          );
        } else if (frame.type === 'batch') {
          const seq = frame.observations.at(-1)!.seq;
          acksWithTime.push(seq);
          ws.send(encodeFrame({ type: 'ack', seq, serverTime: serverNow() }));
        }
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'lagebild-clock-'));
    const outbox = Outbox.open(AgentState.open(dir));
    const clockOffset = new ClockOffset();
    const transport = new Transport({
      serverUrl: url,
      credentials: () => ({ serverUrl: url, deviceId: 'dev-1', token: 'token-0-xxxxxxxxxxxxxxxxxxxx' }),
      outbox,
      capabilities: async () => [],
      clockOffset,
    });
    try {
      transport.start();
      await new Promise<void>((r) => transport.once('connected', () => r()));
      expect(clockOffset.uncertaintyMs()).toBeGreaterThanOrEqual(150);
      outbox.push([{ ts: Date.now(), data: { kind: 'agent', event: 'started' } }]);
      await new Promise<void>((r) => transport.once('ack', () => r()));
      expect(acksWithTime).toEqual([1]);
      expect(clockOffset.uncertaintyMs()).toBeLessThan(50);
      expect(Math.abs(clockOffset.offsetMs()! - SERVER_BEHIND_MS)).toBeLessThan(50);
    } finally {
      await transport.stop(0);
      wss.close();
      await new Promise((r) => http.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
