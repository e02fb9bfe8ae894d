import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/process.js';
import { inNs, Processes, run, until } from './tunnel-lab.js';

/*
 * The WireGuard lab both netns tests build: namespaces "dc" (the city data centre) and "notebook" joined
 * by a veth pair (TEST-NET 192.0.2.0/24), a wireguard-go tunnel between them (10.77.0.0/24).
 * Debian packages: wireguard-go wireguard-tools iproute2 nftables. Needs root.
 */

export const DC_ADDR = '192.0.2.1';
export const NB_ADDR = '192.0.2.2';
export const TUNNEL_DC = '10.77.0.1';
export const TUNNEL_NB = '10.77.0.2';
export const WG_PORT = 51820;

const TOOLS = [
  { cmd: 'wireguard-go', args: ['--version'], pkg: 'wireguard-go' },
  { cmd: 'wg', args: ['--version'], pkg: 'wireguard-tools' },
  { cmd: 'ip', args: ['-V'], pkg: 'iproute2' },
  { cmd: 'nft', args: ['--version'], pkg: 'nftables' },
];

/** Throws with the package to install when a lab tool is missing, or with "pnpm build" when agent/server are not built. */
export function requireLabTools(): void {
  for (const t of TOOLS) {
    if (spawnSync(t.cmd, t.args).error)
      throw new Error(`${t.cmd} is missing: install the Debian package ${t.pkg} (apt-get install ${t.pkg})`);
  }
  for (const bin of ['agent/dist/cli.js', 'server/dist/cli.js']) {
    if (!existsSync(join(repoRoot, bin))) throw new Error(`${bin} is missing: run "pnpm build" first`);
  }
}

export interface WireguardLabOptions {
  /** A private directory for the key files. */
  dir: string;
  /** Namespace names; wireguard-go keeps its control socket in /var/run/wireguard, shared by all
   * namespaces, so the interface names must be unique on the host. */
  DC: string;
  NB: string;
  WG_DC: string;
  WG_NB: string;
  /** Where wireguard-go is started (default: the lab's own); stop() stops every program in it. */
  procs?: Processes;
}

export interface WireguardLab {
  DC: string;
  NB: string;
  WG_DC: string;
  WG_NB: string;
  DC_ADDR: string;
  NB_ADDR: string;
  TUNNEL_DC: string;
  TUNNEL_NB: string;
  WG_PORT: number;
  run: typeof run;
  inNs: typeof inNs;
  /** The programs the lab started (wireguard-go), with their output. */
  procs: Processes;
  /** Stops every program in procs, last started first, and deletes both namespaces. */
  stop(): Promise<void>;
}

/** Builds the lab: namespaces, veth pair, a wireguard-go at each end with fresh keys, both tunnel ends up. */
export async function startWireguardLab(o: WireguardLabOptions): Promise<WireguardLab> {
  const { dir, DC, NB, WG_DC, WG_NB } = o;
  const procs = o.procs ?? new Processes();
  const lab: WireguardLab = {
    DC,
    NB,
    WG_DC,
    WG_NB,
    DC_ADDR,
    NB_ADDR,
    TUNNEL_DC,
    TUNNEL_NB,
    WG_PORT,
    run,
    inNs,
    procs,
    async stop() {
      await procs.stopAll();
      for (const ns of [NB, DC]) spawnSync('ip', ['netns', 'del', ns]);
    },
  };
  try {
    // two namespaces joined by a veth pair: the notebook's "internet" path to the data centre
    run('ip', ['netns', 'add', DC]);
    run('ip', ['netns', 'add', NB]);
    for (const ns of [DC, NB]) run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', NB, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', DC]);
    run('ip', ['-n', DC, 'addr', 'add', `${DC_ADDR}/24`, 'dev', 'eth0']);
    run('ip', ['-n', NB, 'addr', 'add', `${NB_ADDR}/24`, 'dev', 'eth0']);
    for (const ns of [DC, NB]) run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);

    // WireGuard: one wireguard-go per end, keys from wg genkey
    const dcKey = run('wg', ['genkey']);
    const nbKey = run('wg', ['genkey']);
    const dcPub = run('wg', ['pubkey'], `${dcKey}\n`);
    const nbPub = run('wg', ['pubkey'], `${nbKey}\n`);
    writeFileSync(join(dir, 'dc.key'), `${dcKey}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'nb.key'), `${nbKey}\n`, { mode: 0o600 });
    for (const [ns, iface] of [
      [DC, WG_DC],
      [NB, WG_NB],
    ] as const) {
      procs.start(ns, `wireguard-go ${iface}`, 'wireguard-go', ['-f', iface], {
        WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
      });
      await until(
        () => (spawnSync('ip', ['-n', ns, 'link', 'show', iface]).status === 0 ? true : undefined),
        10_000,
        () => `${iface} in ${ns}\n${procs.logs()}`,
      );
    }
    inNs(DC, 'wg', 'set', WG_DC, 'private-key', join(dir, 'dc.key'), 'listen-port', String(WG_PORT));
    inNs(DC, 'wg', 'set', WG_DC, 'peer', nbPub, 'allowed-ips', `${TUNNEL_NB}/32`);
    inNs(NB, 'wg', 'set', WG_NB, 'private-key', join(dir, 'nb.key'));
    inNs(
      NB,
      'wg',
      'set',
      WG_NB,
      'peer',
      dcPub,
      'endpoint',
      `${DC_ADDR}:${WG_PORT}`,
      'allowed-ips',
      '10.77.0.0/24',
    );
    run('ip', ['-n', DC, 'addr', 'add', `${TUNNEL_DC}/24`, 'dev', WG_DC]);
    run('ip', ['-n', NB, 'addr', 'add', `${TUNNEL_NB}/24`, 'dev', WG_NB]);
    run('ip', ['-n', DC, 'link', 'set', WG_DC, 'up']);
    run('ip', ['-n', NB, 'link', 'set', WG_NB, 'up']);
  } catch (e) {
    // a half-built lab must not leave namespaces or wireguard-go behind
    await lab.stop();
    throw e;
  }
  return lab;
}

/** Network namespaces and WireGuard interfaces need root; CI runs these tests as root. */
export const IS_ROOT = process.getuid?.() === 0;
const SKIP_REASON = 'SKIPPED: needs root to create network namespaces and WireGuard interfaces';

/** Says loudly that a root-only test file is skipped; returns the suffix for its describe title. */
export function rootOnly(file: string): string {
  if (IS_ROOT) return '';
  console.warn(`${file}: ${SKIP_REASON} (CI runs it as root)`);
  return ` (${SKIP_REASON})`;
}
