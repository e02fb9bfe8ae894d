import { networkInterfaces as osNetworkInterfaces } from 'node:os';
import type { Clock } from '../collector.js';
import type { RunCommand } from '../exec.js';
import type { NetworkInterface, SystemInfo } from '../si.js';
import { type DetectContext, detectTunnels, type TunnelInterface } from './vpn-detect.js';
import {
  parseLinkKinds,
  parsePolicyRoutes,
  parseScutilNcList,
  parseVpnConnections,
  parseWgEndpoints,
} from './vpn-os-parse.js';
import { VENDOR } from './vpn-vendors.js';

/** The PowerShell script that lists RAS VPN connections (all users' and the current user's). */
export const RAS_SCRIPT =
  "$ErrorActionPreference='SilentlyContinue'; ConvertTo-Json -Compress -InputObject @(" +
  '@(Get-VpnConnection -AllUserConnection) + @(Get-VpnConnection) | Select-Object Name,ServerAddress,' +
  "@{n='TunnelType';e={[string]$_.TunnelType}},@{n='ConnectionStatus';e={[string]$_.ConnectionStatus}})";

export interface VpnSourcesOptions {
  si: Pick<SystemInfo, 'networkInterfaces'>;
  platform: NodeJS.Platform;
  run: RunCommand;
  now: Clock;
  /**
   * Cheap fingerprint of the interface list. While it stays the same the last systeminformation answer
   * is reused: that answer costs tens of milliseconds and several child processes per interface.
   */
  interfaceSignature?: () => string;
  /** cached answers are refreshed at least this often (default 60 s) */
  maxAgeMs?: number;
  timeoutMs?: number;
}

/** One reading of everything tunnel detection needs. */
export interface VpnReading {
  interfaces: NetworkInterface[];
  context: DetectContext;
  /** changes whenever an interface, address or state changes */
  signature: string;
}

/** The Node view of the interfaces: names and addresses, read without a child process. */
export const osInterfaceSignature = (): string => JSON.stringify(osNetworkInterfaces());

function signatureOf(interfaces: readonly NetworkInterface[]): string {
  return JSON.stringify(interfaces.map((n) => [n.iface, n.ifaceName, n.ip4, n.ip6, n.operstate]));
}

/**
 * Reads the interface list and, on each OS, what the tools add to it (Linux link kinds and strongSwan
 * routes, macOS VPN services, Windows RAS connections). The tools run only when the interface list
 * changed or the last answer is older than `maxAgeMs`, so the 2-second poll stays cheap.
 */
export class VpnSources {
  private readonly o: Required<Omit<VpnSourcesOptions, 'interfaceSignature'>> &
    Pick<VpnSourcesOptions, 'interfaceSignature'>;
  private si: { key: string; at: number; interfaces: NetworkInterface[] } | null = null;
  private ctx: { key: string; at: number; context: DetectContext } | null = null;
  private endpoint: { key: string; gateway: string | null } | null = null;

  constructor(options: VpnSourcesOptions) {
    this.o = { maxAgeMs: 60_000, timeoutMs: 5000, ...options };
  }

  async read(): Promise<VpnReading> {
    const now = this.o.now();
    const fresh = (c: { key: string; at: number } | null, key: string) =>
      c !== null && c.key === key && now - c.at < this.o.maxAgeMs;
    const osKey = this.o.interfaceSignature?.();
    let interfaces: NetworkInterface[];
    if (osKey !== undefined && fresh(this.si, osKey)) interfaces = this.si!.interfaces;
    else {
      interfaces = await this.o.si.networkInterfaces();
      if (osKey !== undefined) this.si = { key: osKey, at: now, interfaces };
    }
    const signature = signatureOf(interfaces);
    if (!fresh(this.ctx, signature)) {
      this.ctx = { key: signature, at: now, context: await this.context(interfaces) };
    }
    return { interfaces, context: this.ctx!.context, signature };
  }

  /** The peer endpoint of a WireGuard tunnel (`wg show <iface> endpoints`); null when wg cannot tell. */
  async wireGuardGateway(tunnel: TunnelInterface, signature: string): Promise<string | null> {
    const key = `${tunnel.iface}\n${signature}`;
    if (this.endpoint?.key === key) return this.endpoint.gateway;
    const r = await this.o.run('wg', ['show', tunnel.iface, 'endpoints'], { timeoutMs: this.o.timeoutMs });
    const gateway = r.code === 0 ? parseWgEndpoints(r.stdout) : null;
    this.endpoint = { key, gateway };
    return gateway;
  }

  private async context(interfaces: NetworkInterface[]): Promise<DetectContext> {
    const { platform, run, timeoutMs } = this.o;
    const ctx: DetectContext = { platform };
    const out = async (file: string, args: string[]) => {
      const r = await run(file, args, { timeoutMs });
      return r.code === 0 ? r.stdout : '';
    };
    if (platform === 'linux') {
      const [links, table] = await Promise.all([
        out('ip', ['-details', '-json', 'link', 'show']),
        out('ip', ['route', 'show', 'table', '220']),
      ]);
      ctx.linkKinds = parseLinkKinds(links);
      ctx.policyRoutes = parsePolicyRoutes(table);
    } else if (platform === 'darwin') {
      ctx.macServices = parseScutilNcList(await out('scutil', ['--nc', 'list']));
    } else if (platform === 'win32') {
      // PowerShell is slow to start: ask only when a RAS link is there to be named
      if (detectTunnels(interfaces, ctx).some((t) => t.vendor === VENDOR.windowsRas)) {
        const json = await out('powershell', ['-NoProfile', '-NonInteractive', '-Command', RAS_SCRIPT]);
        ctx.rasConnections = parseVpnConnections(json);
      }
    }
    return ctx;
  }
}
