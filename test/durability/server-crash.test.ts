import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Fleet, startFleet } from '@lagebild/sim';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, ServerProcess } from './server-process.js';
import { auditStore, openReadOnly } from './stored-audit.js';

const DEVICES = 1_000;
/** time compression: about 1.5 observations per device and second, ~1,500/s for the fleet (fits 2 cores) */
const SPEED = 10;
/** how long the fleet reports before the crash */
const REPORTING_MS = 4_000;
const SECRET = 'crash-test-enroll-secret';
// a whole fleet may come back at once; let it in quickly but still through admission control
const ADMISSION = ['--connect-rate', '1000', '--connect-burst', '1000'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

function flipTunnel(fleet: Fleet, i: number): void {
  fleet.setVpn(i, fleet.devices[i]?.vpnState === 'up' ? 'down' : 'up');
}

/** Flips one device's tunnel every few ms, so VPN transitions keep coming before, during and after the crash. */
function flipTunnels(fleet: Fleet, everyMs: number): () => void {
  let next = 0;
  const timer = setInterval(() => flipTunnel(fleet, next++ % fleet.devices.length), everyMs);
  return () => clearInterval(timer);
}

/** Observations sent on the current connections and not yet acknowledged. */
function inFlight(fleet: Fleet): number {
  return fleet.devices.reduce((n, d) => n + d.sentSeq - d.lastAckSeq, 0);
}

describe('a server killed with SIGKILL while 1,000 agents report', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lagebild-crash-'));
  let server: ServerProcess | undefined;
  let fleet: Fleet | undefined;
  let stopFlipping: (() => void) | undefined;

  afterAll(async () => {
    stopFlipping?.();
    await fleet?.stop();
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('after a restart misses nothing it acknowledged and stores nothing twice', async () => {
    const began = Date.now();
    const port = await freePort();
    const serverOptions = { port, dataDir, enrollSecret: SECRET, extraArgs: ADMISSION };
    server = await ServerProcess.start(serverOptions);

    fleet = await startFleet({
      serverUrl: server.url,
      enrollSecret: SECRET,
      devices: DEVICES,
      speed: SPEED,
      connectConcurrency: 100,
      keepHistory: true,
      onLog: () => {}, // reconnect chatter of 1,000 devices is expected here
    });
    const connectedMs = Date.now() - began;
    stopFlipping = flipTunnels(fleet, 10);
    await sleep(REPORTING_MS);
    const beforeCrash = fleet.stats();
    expect(beforeCrash.connected).toBe(DEVICES);
    expect(fleet.devices.every((d) => d.lastAckSeq > 0)).toBe(true);

    // every tunnel flips at once: the server dies with a burst of 1,000 state changes on the wire;
    // what it did not commit must come again, what it committed without an ack must not come twice
    for (let i = 0; i < DEVICES; i++) flipTunnel(fleet, i);
    await until(() => fleet !== undefined && inFlight(fleet) >= DEVICES / 2, 2_000, 'the burst on the wire');
    const inFlightAtCrash = inFlight(fleet);
    await server.kill();
    // what the server promised: every ack it wrote before dying, read once all sockets are closed
    await until(() => fleet?.stats().connected === 0, 10_000, 'every device to notice the crash');
    const ackedBeforeCrash = fleet.devices.map((d) => d.lastAckSeq);
    const unackedAtCrash = inFlight(fleet);
    const atCrash = fleet.stats();

    server = await ServerProcess.start(serverOptions);
    const restartedAt = Date.now();
    await until(() => fleet?.stats().connected === DEVICES, 60_000, 'every device to reconnect');
    const reconnectMs = Date.now() - restartedAt;
    stopFlipping();
    await fleet.waitForAcks(30_000);
    const afterRestart = fleet.stats();
    await fleet.stop();
    await server.terminate();

    const db = openReadOnly(join(dataDir, 'lagebild.db'));
    let audit: ReturnType<typeof auditStore>;
    try {
      audit = auditStore(db, fleet.devices, ackedBeforeCrash);
    } finally {
      db.close();
    }
    const figures = {
      devices: DEVICES,
      connectAllMs: connectedMs,
      observationsSent: afterRestart.sent,
      ackedBeforeCrash: ackedBeforeCrash.reduce((a, b) => a + b, 0),
      inFlightAtCrash,
      unackedAtCrash,
      resentAfterRestart: afterRestart.resent - atCrash.resent,
      // stored by the dying server but never acknowledged: the restarted one names them in welcome.ackSeq
      committedNotAcked: unackedAtCrash - (afterRestart.resent - atCrash.resent),
      reconnectAllMs: reconnectMs,
      probesStored: audit.probesStored,
      vpnEventsStored: audit.vpnEventsStored,
      testMs: Date.now() - began,
    };
    console.log(`server crash figures: ${JSON.stringify(figures)}`);

    expect(audit.lostAcked).toEqual([]);
    expect(audit.invented).toEqual([]);
    expect(audit.probeMismatch).toEqual([]);
    expect(audit.vpnMismatch).toEqual([]);
    // the crash really caught reports on the wire, and they came again
    expect(inFlightAtCrash).toBeGreaterThan(0);
    expect(figures.resentAfterRestart).toBeGreaterThan(0);
    expect(audit.vpnEventsStored).toBeGreaterThan(DEVICES);
  }, 110_000);
});
