import { AGENT_WS_PATH } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashSecret, newToken } from '../gateway/credentials.js';
import { hello, startApp } from '../test-support/fixtures.js';

interface Outcome {
  attempts: number;
  retryAfter: number[];
  socket: WebSocket;
}

/** One agent that does what the real one does: on LB_ERR_SERVER_BUSY it waits retryAfterMs and tries again. */
async function connectWithRetry(url: string, deviceId: string, token: string): Promise<Outcome> {
  const retryAfter: number[] = [];
  for (let attempts = 1; attempts < 200; attempts++) {
    const result = await new Promise<
      { ok: true; socket: WebSocket } | { ok: false; retryAfterMs: number; close: number }
    >((resolve, reject) => {
      const socket = new WebSocket(url);
      let busy: number | undefined;
      socket.once('open', () => socket.send(JSON.stringify(hello(deviceId, token))));
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.type === 'welcome') resolve({ ok: true, socket });
        else if (frame.type === 'error' && frame.code === 'LB_ERR_SERVER_BUSY') busy = frame.retryAfterMs;
        else if (frame.type === 'error') reject(new Error(`unexpected ${frame.code}`));
      });
      socket.once('close', (code) => {
        if (busy !== undefined) resolve({ ok: false, retryAfterMs: busy, close: code });
        else reject(new Error(`closed ${code} without a busy error`));
      });
      socket.once('error', reject);
    });
    if (result.ok) return { attempts, retryAfter, socket: result.socket };
    expect(result.close).toBe(1013);
    retryAfter.push(result.retryAfterMs);
    await new Promise((r) => setTimeout(r, result.retryAfterMs));
  }
  throw new Error('gave up');
}

describe('admission control', () => {
  it('lets 500 agents that connect at once in at the configured rate: none lost, retries spread, healthz answers', async () => {
    const { app, ws, http } = await startApp({
      connectRatePerSec: 150,
      connectBurst: 30,
      maxPendingHellos: 20,
      retryWindowMs: 1500,
    });
    const devices = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const token = newToken();
        const { deviceId } = await app.store.enrollDevice({
          newDeviceId: `dev_storm${String(i).padStart(4, '0')}`,
          hardwareId: `hw-storm-${i}`,
          hostname: `nb-${i}`,
          tokenHash: hashSecret(token),
          now: Date.now(),
        });
        return { deviceId, token };
      }),
    );

    let storming = true;
    const healthLatencies: number[] = [];
    const health = (async () => {
      while (storming) {
        const t = performance.now();
        const res = await fetch(`${http}/healthz`);
        expect(res.status).toBe(200);
        healthLatencies.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const outcomes = await Promise.all(
      devices.map((d) => connectWithRetry(`${ws}${AGENT_WS_PATH}`, d.deviceId, d.token)),
    );
    storming = false;
    await health;

    expect(app.gateway.connectedDevices()).toHaveLength(500);
    const retries = outcomes.flatMap((o) => o.retryAfter);
    expect(retries.length).toBeGreaterThan(100);
    expect(app.admission.refused).toBe(retries.length);
    // spread: not one wave; a good share of distinct values across most of the window
    expect(new Set(retries).size).toBeGreaterThan(retries.length / 4);
    expect(Math.max(...retries) - Math.min(...retries)).toBeGreaterThan(1000);
    expect(healthLatencies.length).toBeGreaterThan(3);
    expect(Math.max(...healthLatencies)).toBeLessThan(1000);

    const attempts = outcomes.map((o) => o.attempts);
    console.log(
      `admission storm: 500 agents, ${retries.length} refusals, max ${Math.max(...attempts)} attempts, ` +
        `retryAfterMs ${Math.min(...retries)}..${Math.max(...retries)} (${new Set(retries).size} distinct), ` +
        `healthz max ${Math.round(Math.max(...healthLatencies))} ms over ${healthLatencies.length} checks`,
    );
    for (const o of outcomes) o.socket.close();
    await app.close();
  }, 30_000);
});
