import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceDetail, DeviceEvent, DeviceSummary } from '@lagebild/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/process.js';
import { run, signInNs } from './tunnel-lab.js';
import {
  DC_ADDR,
  IS_ROOT,
  requireLabTools,
  rootOnly,
  startWireguardLab,
  TUNNEL_DC,
  TUNNEL_NB,
  WG_PORT,
  type WireguardLab,
} from './wireguard-lab.js';

/*
 * A real WireGuard tunnel (wireguard-go) between two network namespaces: "dc" (the city data centre:
 * Lagebild server, a Fachverfahren port behind the tunnel) and "notebook" (the real agent). Everything
 * stays inside the namespaces (TEST-NET 192.0.2.0/24 on a veth pair, 10.77.0.0/24 in the tunnel).
 * Debian packages: wireguard-go wireguard-tools iproute2 nftables. Needs root.
 */

const skipNote = rootOnly('test/netns/vpn-wireguard.test.ts');

const id = randomBytes(3).toString('hex');
const DC = `lb-dc-${id}`;
const NB = `lb-nb-${id}`;
// wireguard-go keeps its control socket in /var/run/wireguard, shared by all namespaces: names must be unique
const WG_DC = `wgdc${id}`;
const WG_NB = existsSync('/var/run/wireguard/wg0.sock') ? `wgnb${id}` : 'wg0';
const CHECK_PORT = 7443;
const SERVER = `http://${DC_ADDR}:8080`;
const SECRET = 'netns-enroll-secret';

/** What the watcher in "dc" printed: the device's VPN view each time it changed, with the time it saw it. */
interface View {
  at: number;
  vpn: DeviceSummary['vpn'];
  vpnDetail: DeviceDetail['vpnDetail'];
  events: DeviceEvent[];
}

interface Background {
  name: string;
  child: ChildProcess;
  output: () => string;
}
const processes: Background[] = [];

/** Starts a long-running program inside a namespace (`ip netns exec` execs it: the pid is the program's). */
function start(
  ns: string,
  name: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Background {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const p = { name, child, output: () => out };
  processes.push(p);
  return p;
}

async function until<T>(fn: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(p: Background): Promise<void> {
  const c = p.child;
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

describe.skipIf(!IS_ROOT)(
  `the real agent in a notebook namespace watching a real WireGuard tunnel${skipNote}`,
  () => {
    let dir: string;
    let watcher: Background;
    let agent: Background;
    let lab: WireguardLab | undefined;
    const views: View[] = [];
    const logs = () =>
      [...(lab?.procs.all ?? []), ...processes]
        .map((p) => `--- ${p.name}:\n${p.output().slice(-3000)}`)
        .join('\n');
    const latest = () => views.at(-1);
    const waitForView = (match: (v: View) => boolean, timeoutMs: number, what: string) =>
      until(
        () => views.find(match),
        timeoutMs,
        () => `${what}; last view: ${JSON.stringify(latest())}\n${logs()}`,
      );

    beforeAll(async () => {
      requireLabTools();
      dir = mkdtempSync(join(tmpdir(), 'lagebild-netns-'));
      lab = await startWireguardLab({ dir, DC, NB, WG_DC, WG_NB });
      const { inNs } = lab;

      // the internal check address: a TCP port in the data centre, reachable only through the tunnel
      const listener = start(DC, 'check listener', process.execPath, [
        '-e',
        `require('node:net').createServer((s) => s.end()).listen(${CHECK_PORT}, '${TUNNEL_DC}', () => console.log('listening'))`,
      ]);
      await until(
        () => (listener.output().includes('listening') ? true : undefined),
        10_000,
        () => `check listener\n${logs()}`,
      );
      // the tunnel carries traffic before the agent starts
      inNs(
        NB,
        process.execPath,
        '-e',
        `const s = require('node:net').connect(${CHECK_PORT}, '${TUNNEL_DC}');
         s.setTimeout(5000, () => process.exit(1)).on('connect', () => s.end());`,
      );

      // the Lagebild server in the data centre, reachable without the tunnel (as a DMZ endpoint would be)
      const server = start(DC, 'server', process.execPath, [
        'server/bin/lagebild-server.js',
        '--host',
        DC_ADDR,
        '--port',
        '8080',
        '--data',
        join(dir, 'server'),
        '--enroll-secret',
        SECRET,
        '--log-level',
        'warn',
      ]);
      await until(
        () => (server.output().includes('listening on') ? true : undefined),
        20_000,
        () => `the server to listen\n${logs()}`,
      );
      const cookie = await signInNs(DC, SERVER, join(dir, 'server'));
      // the Fachverfahren to check routes for (one behind the tunnel, one not), and a 1-second VPN poll
      const probes = [
        {
          id: 'fv',
          app: 'Fachverfahren',
          kind: 'tcp',
          target: `${TUNNEL_DC}:${CHECK_PORT}`,
          intervalSec: 5,
          timeoutMs: 1000,
        },
        {
          id: 'dmz',
          app: 'Lagebild',
          kind: 'http',
          target: `${SERVER}/healthz`,
          intervalSec: 5,
          timeoutMs: 1000,
        },
      ];
      inNs(
        DC,
        process.execPath,
        '-e',
        `fetch('${SERVER}/api/v1/config/probes', { method: 'PUT', headers: { 'content-type': 'application/json', cookie: '${cookie}' },
          body: JSON.stringify(${JSON.stringify({ probes, intervals: { healthSec: 60, vpnSec: 1, securityKeySec: 5 } })}) })
          .then((r) => { if (!r.ok) process.exit(1); })`,
      );
      watcher = start(DC, 'watcher', process.execPath, ['test/netns/watch-device.mjs', SERVER, cookie]);
      let pending = '';
      watcher.child.stdout?.on('data', (d) => {
        const lines = (pending + String(d)).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('{')) views.push(JSON.parse(line) as View);
      });

      // the real agent on the notebook
      writeFileSync(
        join(dir, 'agent.json'),
        JSON.stringify({ vpn: { checkTarget: `${TUNNEL_DC}:${CHECK_PORT}`, checkTimeoutMs: 1000 } }),
      );
      agent = start(NB, 'agent', process.execPath, [
        'agent/bin/lagebild-agent.js',
        'run',
        '--server',
        SERVER,
        '--enroll-secret',
        SECRET,
        '--state-dir',
        join(dir, 'agent'),
        '--config',
        join(dir, 'agent.json'),
        // plain http across the tunnel to 10.x: TLS is tested in test/e2e/tls.test.ts
        '--insecure-dev',
      ]);
    });

    afterAll(async () => {
      // the agent first, so it can say goodbye to the server
      if (agent) await stop(agent);
      for (const p of processes.reverse()) await stop(p);
      await lab?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('reports the tunnel up: WireGuard on wg0 with its address, gateway, round trip and routes', async () => {
      const up = await waitForView(
        (v) => v.vpn.state === 'up' && v.vpnDetail.routes.length === 2,
        30_000,
        'the device with an up tunnel and two route checks',
      );
      expect(up.vpn).toMatchObject({ state: 'up', vendor: 'WireGuard', gateway: DC_ADDR });
      expect(up.vpnDetail).toMatchObject({
        interface: WG_NB,
        addresses: [TUNNEL_NB],
        gatewayReachable: true,
      });
      expect(up.vpnDetail.gatewayRttMs).toBeGreaterThanOrEqual(0);
      expect(up.vpnDetail.gatewayRttMs).toBeLessThan(1000);
      // the Fachverfahren goes through the tunnel, the server's DMZ address does not
      expect(up.vpnDetail.routes).toEqual([
        { host: TUNNEL_DC, viaTunnel: true, interface: WG_NB },
        { host: DC_ADDR, viaTunnel: false, interface: 'eth0' },
      ]);
    });

    it('reports degraded within a few seconds once the data centre drops the tunnel traffic', async () => {
      const blockedAt = Date.now();
      // the peer stops answering: WireGuard's UDP port is dropped in the data centre
      run(
        'ip',
        ['netns', 'exec', DC, 'nft', '-f', '-'],
        `table inet lagebild_test {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    udp dport ${WG_PORT} drop\n  }\n}\n`,
      );
      const degraded = await waitForView(
        (v) => v.at >= blockedAt && v.vpn.state === 'degraded',
        15_000,
        'the device to turn degraded',
      );
      expect(degraded.at - blockedAt).toBeLessThan(5000);
      // the interface is still there: it is the check address that does not answer
      expect(degraded.vpn.vendor).toBe('WireGuard');
      expect(degraded.vpnDetail).toMatchObject({
        interface: WG_NB,
        addresses: [TUNNEL_NB],
        gatewayReachable: false,
        gatewayRttMs: null,
      });
      // the routing table did not change: the Fachverfahren still goes into the (now silent) tunnel
      expect(degraded.vpnDetail.routes[0]).toEqual({ host: TUNNEL_DC, viaTunnel: true, interface: WG_NB });
    });

    it('reports down within a few seconds once the tunnel interface is gone', async () => {
      const removedAt = Date.now();
      run('ip', ['-n', NB, 'link', 'del', WG_NB]);
      const down = await waitForView(
        (v) => v.at >= removedAt && v.vpn.state === 'down',
        15_000,
        'the device to turn down',
      );
      expect(down.at - removedAt).toBeLessThan(5000);
      expect(down.vpnDetail).toMatchObject({ interface: null, addresses: [] });
      expect(down.vpn.vendor).toBeNull();
      // with the next poll the routes follow: the Fachverfahren has no route left, the server still has one
      const rerouted = await waitForView(
        (v) => v.vpn.state === 'down' && v.vpnDetail.routes.length === 2,
        5_000,
        'the routes after the tunnel went down',
      );
      expect(rerouted.vpnDetail.routes).toEqual([
        { host: TUNNEL_DC, viaTunnel: null, interface: null },
        { host: DC_ADDR, viaTunnel: false, interface: 'eth0' },
      ]);
    });

    it('keeps the transitions as events and counts them as changes in the last hour', async () => {
      const last = await waitForView(
        (v) => v.vpn.state === 'down' && v.events.length >= 3,
        10_000,
        'three VPN events',
      );
      const transitions = [...last.events].sort((a, b) => a.ts - b.ts).map((e) => [e.from, e.to]);
      expect(transitions.slice(-3)).toEqual([
        [null, 'up'],
        ['up', 'degraded'],
        ['degraded', 'down'],
      ]);
      expect(last.vpnDetail.changesLastHour).toBe(2);
    });
  },
);
