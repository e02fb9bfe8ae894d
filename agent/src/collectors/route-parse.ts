/** Parsers for the route lookup tools of each OS; pure, so recorded outputs test them. */

/** Where the kernel sends packets for one address. */
export interface RouteLookup {
  /** outgoing interface (Linux dev, macOS interface, Windows InterfaceAlias) */
  interface: string;
  /** Linux: routing table the route came from, when not the main one (strongSwan: 220) */
  table?: string;
  /** Linux: source address the kernel picks */
  src?: string;
}

/** Linux `ip route get <addr>`: `10.77.0.1 dev wg0 table 51820 src 10.77.0.2 uid 0`; null when unroutable. */
export function parseIpRouteGet(stdout: string): RouteLookup | null {
  const first = stdout.split('\n').find((l) => l.trim() !== '');
  if (!first) return null;
  const words = first.trim().split(/\s+/);
  if (['unreachable', 'prohibit', 'blackhole'].includes(words[0]!)) return null;
  const after = (key: string) => {
    const i = words.indexOf(key);
    return i >= 0 && i + 1 < words.length ? words[i + 1] : undefined;
  };
  const dev = after('dev');
  if (!dev) return null;
  const r: RouteLookup = { interface: dev };
  const table = after('table');
  const src = after('src');
  if (table) r.table = table;
  if (src) r.src = src;
  return r;
}

/** macOS `route -n get <addr>`: the `interface:` line; null when there is no route. */
export function parseDarwinRouteGet(stdout: string): RouteLookup | null {
  const m = /^\s*interface:\s*(\S+)\s*$/m.exec(stdout);
  return m ? { interface: m[1]! } : null;
}

/**
 * The PowerShell script that asks Windows for the outgoing interface of several addresses at once
 * (`Find-NetRoute`; one PowerShell start costs about half a second, so never one per address).
 * Addresses are checked IP literals, so quoting them is safe.
 */
export function findNetRouteScript(addresses: readonly string[]): string {
  const list = addresses.map((a) => `'${a}'`).join(',');
  return (
    "$ErrorActionPreference='SilentlyContinue'; " +
    `ConvertTo-Json -Compress -InputObject @(foreach ($a in @(${list})) { ` +
    '$r = Find-NetRoute -RemoteIPAddress $a | Select-Object -First 1; ' +
    '[pscustomobject]@{ address = $a; interfaceAlias = $r.InterfaceAlias } })'
  );
}

/** Output of findNetRouteScript: interface alias per address (addresses without a route are left out). */
export function parseFindNetRoute(stdout: string): Map<string, RouteLookup> {
  const out = new Map<string, RouteLookup>();
  let raw: unknown;
  try {
    raw = JSON.parse(stdout.trim() || '[]');
  } catch {
    return out;
  }
  const list = (Array.isArray(raw) ? raw : [raw]) as { address?: unknown; interfaceAlias?: unknown }[];
  for (const r of list) {
    if (typeof r?.address === 'string' && typeof r.interfaceAlias === 'string' && r.interfaceAlias) {
      out.set(r.address, { interface: r.interfaceAlias });
    }
  }
  return out;
}
