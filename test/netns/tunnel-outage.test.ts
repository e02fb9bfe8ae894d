import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppLatency, DeviceDetail, DeviceList, Observation } from '@lagebild/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Background,
  getJson,
  openReadOnly,
  Processes,
  putJson,
  readSpool,
  run,
  signInNs,
  sleep,
  spoolAck,
  stop,
  until,
} from './tunnel-lab.js';
import {
  IS_ROOT,
  requireLabTools,
  rootOnly,
  startWireguardLab,
  TUNNEL_DC,
  WG_PORT,
  type WireguardLab,
} from './wireguard-lab.js';

/*
 * Tunnel outage with real parts: the Lagebild server and a Fachverfahren HTTP server in a "dc" namespace,
 * the real agent in a "notebook" namespace that reaches both only through a wireguard-go tunnel. The
 * data centre drops the WireGuard traffic for TUNNEL_OUTAGE_SEC seconds (default 120): the notebook
 * keeps its wg interface, so the agent sees the tunnel degraded (its check address stops answering).
 * During the outage the agent is restarted twice (SIGTERM, then kill -9) and the server once, just
 * before the tunnel returns. Debian packages: wireguard-go wireguard-tools iproute2 nftables. Root only.
 */

const skipNote = rootOnly('test/netns/tunnel-outage.test.ts');

const OUTAGE_MS = Math.max(30, Number(process.env.TUNNEL_OUTAGE_SEC ?? 120)) * 1000;
const id = randomBytes(3).toString('hex');
const DC = `lb-odc-${id}`;
const NB = `lb-onb-${id}`;
// wireguard-go keeps its control socket in /var/run/wireguard, shared by all namespaces: names must be unique
const WG_DC = `wgodc${id}`;
const WG_NB = `wgonb${id}`;
const FV_PORT = 8088;
// the server listens only on its tunnel address: without the tunnel the notebook cannot reach it
const SERVER = `http://${TUNNEL_DC}:8080`;
const SECRET = 'outage-enroll-secret';
const NFT_TABLE = `lagebild_outage_${id}`;
const PROBE_SEC = 5;
type ProbeObservation = Extract<Observation, { kind: 'probe' }>;

describe.skipIf(!IS_ROOT)(
  `a notebook that loses its tunnel for ${OUTAGE_MS / 1000} s while agent and server restart${skipNote}`,
  () => {
    const procs = new Processes();
    let dir: string;
    let agentDir: string;
    let dbFile: string;
    let agent: Background;
    let server: Background;
    let deviceId: string;
    let cookie = '';
    let lab: WireguardLab | undefined;
    const logs = () => procs.logs();

    /** What the test saw, with the host clock every namespace shares. */
    const timeline = {
      cutAt: 0,
      restoreAt: 0,
      ackAtCut: 0,
      beforeKill: [] as Observation[],
      beforeRestore: [] as Observation[],
      agentStarts: 0,
      drainedAt: 0,
    };

    const startServer = () => {
      server = procs.start(DC, 'server', process.execPath, [
        'server/bin/lagebild-server.js',
        '--host',
        TUNNEL_DC,
        '--port',
        '8080',
        '--data',
        join(dir, 'server'),
        '--enroll-secret',
        SECRET,
        '--log-level',
        'warn',
      ]);
      const s = server;
      return until(
        () => (s.output().includes('listening on') ? true : undefined),
        20_000,
        () => `the server to listen\n${logs()}`,
      );
    };
    const startAgent = () => {
      timeline.agentStarts++;
      agent = procs.start(NB, `agent #${timeline.agentStarts}`, process.execPath, [
        'agent/bin/lagebild-agent.js',
        'run',
        '--server',
        SERVER,
        '--enroll-secret',
        SECRET,
        '--state-dir',
        agentDir,
        '--config',
        join(dir, 'agent.json'),
        // plain http across the tunnel to 10.x: TLS is tested in test/e2e/tls.test.ts
        '--insecure-dev',
      ]);
    };
    /** The device row as the server stored it (read-only; the server may be restarting). */
    const deviceRow = () => {
      if (!existsSync(dbFile)) return undefined;
      const db = openReadOnly(dbFile);
      try {
        return db.prepare('SELECT id, last_seq, vpn_state FROM devices').get() as
          | { id: string; last_seq: number; vpn_state: string | null }
          | undefined;
      } finally {
        db.close();
      }
    };

    beforeAll(async () => {
      requireLabTools();
      dir = mkdtempSync(join(tmpdir(), 'lagebild-outage-'));
      agentDir = join(dir, 'agent');
      dbFile = join(dir, 'server', 'lagebild.db');

      lab = await startWireguardLab({ dir, DC, NB, WG_DC, WG_NB, procs });

      // the Fachverfahren: an HTTP server in the data centre, only on its tunnel address
      const fv = procs.start(DC, 'Fachverfahren', process.execPath, [
        '-e',
        `require('node:http').createServer((q, s) => s.end('ok')).listen(${FV_PORT}, '${TUNNEL_DC}', () => console.log('listening'))`,
      ]);
      await until(
        () => (fv.output().includes('listening') ? true : undefined),
        10_000,
        () => `the Fachverfahren\n${logs()}`,
      );
      await startServer();
      cookie = await signInNs(DC, SERVER, join(dir, 'server'));
      // fast intervals, so that the outage produces many observations
      putJson(
        DC,
        `${SERVER}/api/v1/config/probes`,
        {
          probes: [
            {
              id: 'fv',
              app: 'Fachverfahren',
              kind: 'http',
              target: `http://${TUNNEL_DC}:${FV_PORT}/`,
              intervalSec: PROBE_SEC,
              timeoutMs: 1000,
            },
          ],
          intervals: { healthSec: 10, vpnSec: 1, securityKeySec: 5 },
        },
        cookie,
      );
      writeFileSync(
        join(dir, 'agent.json'),
        JSON.stringify({ vpn: { checkTarget: `${TUNNEL_DC}:${FV_PORT}`, checkTimeoutMs: 1000 } }),
      );
      startAgent();
      // before the cut: enrolled, the tunnel up, and a probe sample through it stored and acknowledged
      const row = await until(
        () => {
          const r = deviceRow();
          if (r?.vpn_state !== 'up') return undefined;
          const db = openReadOnly(dbFile);
          try {
            const n = db.prepare('SELECT count(*) AS n FROM probe_samples WHERE ok = 1').get() as {
              n: number;
            };
            return n.n > 0 && spoolAck(agentDir) > 0 ? r : undefined;
          } finally {
            db.close();
          }
        },
        40_000,
        () => `the device up with a stored probe sample; row ${JSON.stringify(deviceRow())}\n${logs()}`,
      );
      deviceId = row.id;
    });

    afterAll(async () => {
      // the agent first, so it can say goodbye to the server
      if (agent) await stop(agent);
      await procs.stopAll();
      await lab?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it(
      'keeps every observation on the notebook while the tunnel is cut, the agent restarts twice and the server once',
      async () => {
        timeline.cutAt = Date.now();
        // the data centre stops answering: WireGuard's UDP is dropped both ways, wg interfaces stay up
        run(
          'ip',
          ['netns', 'exec', DC, 'nft', '-f', '-'],
          `table inet ${NFT_TABLE} {
  chain input { type filter hook input priority 0; policy accept; udp dport ${WG_PORT} drop; }
  chain output { type filter hook output priority 0; policy accept; udp sport ${WG_PORT} drop; }
}
`,
        );
        // a batch in flight at the cut may still be acknowledged; nothing after this
        await sleep(1000);
        timeline.ackAtCut = spoolAck(agentDir);
        const at = (fraction: number) =>
          sleep(Math.max(0, timeline.cutAt + OUTAGE_MS * fraction - Date.now()));

        // an orderly restart: SIGTERM, then the same state directory
        await at(0.3);
        // a service stop must not hang on the dead connection
        expect(await stop(agent, 'SIGTERM'), `agent on SIGTERM\n${logs()}`).toBe('code 0');
        startAgent();
        // a crash: kill -9; what it had written to the spool must survive
        await at(0.6);
        timeline.beforeKill = readSpool(agentDir);
        await stop(agent, 'SIGKILL');
        startAgent();
        // the server restarts for an update shortly before the tunnel returns
        await sleep(Math.max(0, timeline.cutAt + OUTAGE_MS - 12_000 - Date.now()));
        await stop(server, 'SIGTERM');
        await startServer();
        await sleep(Math.max(0, timeline.cutAt + OUTAGE_MS - Date.now()));

        timeline.beforeRestore = readSpool(agentDir);
        expect(spoolAck(agentDir), 'nothing can be acknowledged during the outage').toBe(timeline.ackAtCut);
        timeline.restoreAt = Date.now();
        run('ip', ['netns', 'exec', DC, 'nft', 'delete', 'table', 'inet', NFT_TABLE]);

        // everything unacknowledged is on disk, numbered without a gap from the last ack on
        const seqs = timeline.beforeRestore.map((o) => o.seq).filter((s) => s > timeline.ackAtCut);
        expect(seqs.length).toBeGreaterThan(0);
        expect(seqs[0]).toBe(timeline.ackAtCut + 1);
        expect(seqs).toEqual(seqs.map((_, i) => timeline.ackAtCut + 1 + i));
        // the kill -9 lost nothing the spool held before it
        const after = new Map(timeline.beforeRestore.map((o) => [o.seq, o]));
        for (const o of timeline.beforeKill.filter((b) => b.seq > timeline.ackAtCut))
          expect(after.get(o.seq), `seq ${o.seq} after kill -9`).toEqual(o);
        // the agent kept probing offline with the configuration it persisted, through both restarts
        const probes = outageProbes(timeline.beforeRestore);
        expect(probes.length).toBeGreaterThanOrEqual(Math.floor(OUTAGE_MS / 1000 / PROBE_SEC) - 5);
        expect(probes.every((p) => p.kind === 'probe' && !p.ok)).toBe(true);
      },
      OUTAGE_MS + 60_000,
    );

    /** Probe samples the agent measured between cut and restore. */
    const outageProbes = (obs: Observation[]) =>
      obs.filter(
        (o): o is ProbeObservation =>
          o.kind === 'probe' && o.ts >= timeline.cutAt && o.ts <= timeline.restoreAt,
      );

    it('stores every observation of the outage exactly once once the tunnel is back', async () => {
      expect(timeline.restoreAt, 'the outage ran').toBeGreaterThan(0);
      const lastProduced = timeline.beforeRestore.at(-1)!.seq;
      // reconnecting may wait out a backoff step of up to 60 s
      await until(
        () =>
          (deviceRow()?.last_seq ?? 0) >= lastProduced && spoolAck(agentDir) >= lastProduced
            ? true
            : undefined,
        90_000,
        () =>
          `the spool to drain up to seq ${lastProduced}; server ${JSON.stringify(deviceRow())}\n${logs()}`,
      );
      timeline.drainedAt = Date.now();

      const db = openReadOnly(dbFile);
      try {
        // every probe sample in the spool is stored under its own seq, as measured
        const bySeq = db.prepare(
          'SELECT ts, probe_id AS probeId, ok FROM probe_samples WHERE device_id = ? AND seq = ?',
        );
        const spooled = timeline.beforeRestore.filter(
          (o): o is ProbeObservation => o.seq > timeline.ackAtCut && o.kind === 'probe',
        );
        for (const o of spooled)
          expect(bySeq.get(deviceId, o.seq), `probe seq ${o.seq}`).toEqual({
            ts: o.ts,
            probeId: o.probeId,
            ok: o.ok ? 1 : 0,
          });
        // and nothing else in the outage window: no resent sample stored again under another seq
        const inWindow = db
          .prepare(
            'SELECT seq, ts FROM probe_samples WHERE device_id = ? AND ts >= ? AND ts <= ? ORDER BY seq',
          )
          .all(deviceId, timeline.cutAt, timeline.restoreAt) as { seq: number; ts: number }[];
        const produced = outageProbes(timeline.beforeRestore);
        expect(inWindow.filter((r) => r.seq <= lastProduced).map((r) => r.seq)).toEqual(
          produced.map((o) => o.seq),
        );
        // a check that began before the repair and ended after it was spooled after the snapshot
        for (const r of inWindow.filter((w) => w.seq > lastProduced))
          expect(r.ts).toBeGreaterThan(timeline.restoreAt - 3000);
        const twice = db
          .prepare(
            'SELECT probe_id, ts, count(*) AS n FROM probe_samples WHERE device_id = ? GROUP BY probe_id, ts HAVING n > 1',
          )
          .all(deviceId);
        expect(twice).toEqual([]);
        console.info(
          `tunnel outage: ${OUTAGE_MS / 1000} s cut, ${timeline.beforeRestore.length - timeline.beforeRestore.filter((o) => o.seq <= timeline.ackAtCut).length} observations spooled (seq ${timeline.ackAtCut + 1}..${lastProduced}), ${produced.length} probe samples in the outage, ${inWindow.length} stored, ${twice.length} duplicates; drained ${((timeline.drainedAt - timeline.restoreAt) / 1000).toFixed(1)} s after the tunnel returned`,
        );
      } finally {
        db.close();
      }
    }, 120_000);

    it('records the tunnel going degraded and back up at the times of the cut and the repair', () => {
      const detail = getJson<DeviceDetail>(DC, `${SERVER}/api/v1/devices/${deviceId}`, cookie);
      const vpn = detail.events.filter((e) => e.kind === 'vpn').sort((a, b) => a.ts - b.ts);
      const degraded = vpn.filter((e) => e.from === 'up' && e.to === 'degraded');
      const back = vpn.filter((e) => e.from === 'degraded' && e.to === 'up');
      // once each: the restarted agents saw the same degraded tunnel, the resent batches changed nothing
      expect(degraded).toHaveLength(1);
      expect(back).toHaveLength(1);
      const downAfterCut = degraded[0]!.ts - timeline.cutAt;
      const upAfterRestore = back[0]!.ts - timeline.restoreAt;
      console.info(
        `tunnel outage: VPN degraded ${(downAfterCut / 1000).toFixed(1)} s after the cut, up ${(upAfterRestore / 1000).toFixed(1)} s after the repair`,
      );
      // a check that began just before the cut may be the one that timed out
      expect(downAfterCut).toBeGreaterThan(-1500);
      expect(downAfterCut).toBeLessThan(5000);
      // WireGuard needs a fresh handshake once its packets pass again
      expect(upAfterRestore).toBeGreaterThan(-1500);
      expect(upAfterRestore).toBeLessThan(10_000);
      expect(detail.vpn.state).toBe('up');
      const list = getJson<DeviceList>(DC, `${SERVER}/api/v1/devices`, cookie);
      expect(list.total).toBe(1);
    });

    it('shows the outage filled in the latency chart of the dashboard API: failed checks, no empty buckets', async () => {
      // the chart is drawn from per-minute rollups, which the server's rollup job brings up to date every 5 s
      const bucketSec = 60;
      const bucketMs = bucketSec * 1000;
      const wanted = Math.floor(OUTAGE_MS / bucketMs) - 1;
      const read = () => {
        const latency = getJson<AppLatency>(
          DC,
          `${SERVER}/api/v1/apps/latency?minutes=15&bucketSec=${bucketSec}`,
          cookie,
        );
        const fv = latency.apps.find((a) => a.app === 'Fachverfahren');
        // buckets wholly inside the outage
        const inside =
          fv?.points.filter((p) => p.t >= timeline.cutAt && p.t + bucketMs <= timeline.restoreAt) ?? [];
        return { fv, inside };
      };
      let { fv, inside } = read();
      for (let i = 0; i < 15 && inside.length < wanted; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        ({ fv, inside } = read());
      }
      expect(fv).toBeDefined();
      expect(inside.length).toBeGreaterThanOrEqual(wanted);
      for (const p of inside) {
        expect(p.count, `bucket ${new Date(p.t).toISOString()}`).toBeGreaterThan(0);
        expect(p.errors).toBe(p.count);
      }
      // before the cut the Fachverfahren answered through the tunnel
      const before = fv!.points.filter((p) => p.t < timeline.cutAt && p.count > 0);
      expect(before.some((p) => p.errors < p.count)).toBe(true);
    });
  },
);
