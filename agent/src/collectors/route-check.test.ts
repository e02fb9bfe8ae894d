import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../exec.js';
import { RouteChecker, systemResolve, throughTunnel } from './route-check.js';
import { probeHost, routeHosts } from './route-hosts.js';
import type { TunnelInterface } from './vpn-detect.js';

const WG: TunnelInterface = {
  vendor: 'WireGuard',
  iface: 'wg0',
  up: true,
  addresses: ['10.8.0.2'],
  overlay: false,
};

function linuxRoutes(table: Record<string, string>) {
  const asked: string[] = [];
  const run = async (file: string, args: string[]): Promise<CommandResult> => {
    asked.push([file, ...args].join(' '));
    const out = table[args.at(-1)!];
    return out
      ? { code: 0, stdout: out, stderr: '' }
      : { code: 2, stdout: '', stderr: 'Network is unreachable' };
  };
  return { run, asked };
}

describe('which Fachverfahren hosts a route check covers', () => {
  it('takes the URL host, the host of host:port and the DNS name, once each', () => {
    expect(probeHost({ kind: 'http', target: 'https://ewo.stadt.example:8443/login' })).toBe(
      'ewo.stadt.example',
    );
    expect(probeHost({ kind: 'http', target: 'http://[fd00::5]/' })).toBe('fd00::5');
    expect(probeHost({ kind: 'tcp', target: 'gis.stadt.example:5432' })).toBe('gis.stadt.example');
    expect(probeHost({ kind: 'dns', target: 'intranet.stadt.example.' })).toBe('intranet.stadt.example');
    // a probe that asks one DNS server directly is routed like that server
    expect(probeHost({ kind: 'dns', target: 'dns://10.20.0.53:53/intranet.stadt.example' })).toBe(
      '10.20.0.53',
    );
    expect(probeHost({ kind: 'dns', target: 'dns://[fd00::53]/intranet.stadt.example' })).toBe('fd00::53');
    expect(probeHost({ kind: 'http', target: 'not a url' })).toBeNull();
    expect(
      routeHosts([
        { kind: 'http', target: 'https://EWO.stadt.example/' },
        { kind: 'http', target: 'https://ewo.stadt.example/other' },
        { kind: 'tcp', target: '10.20.5.9:1521' },
      ]),
    ).toEqual(['ewo.stadt.example', '10.20.5.9']);
  });
});

describe('route checks', () => {
  it('resolves names, asks `ip route get` per address and says which routes go through the tunnel', async () => {
    const { run, asked } = linuxRoutes({
      '10.20.1.15': '10.20.1.15 dev wg0 src 10.8.0.2 uid 0 \n',
      '198.51.100.20': '198.51.100.20 via 192.168.1.1 dev wlan0 src 192.168.1.5 uid 0 \n',
    });
    const dns: Record<string, string> = {
      'ewo.stadt.example': '10.20.1.15',
      'cloud.example.net': '198.51.100.20',
    };
    const checker = new RouteChecker({ platform: 'linux', run, resolve: async (h) => dns[h] ?? null });
    const routes = await checker.check(['ewo.stadt.example', 'cloud.example.net', 'gone.stadt.example'], WG);
    expect(routes).toEqual([
      { host: 'ewo.stadt.example', viaTunnel: true, interface: 'wg0' },
      { host: 'cloud.example.net', viaTunnel: false, interface: 'wlan0' },
      { host: 'gone.stadt.example', viaTunnel: null, interface: null },
    ]);
    expect(asked).toEqual(['ip route get 10.20.1.15', 'ip route get 198.51.100.20']);
  });

  it('uses `route -n get` on macOS and one Find-NetRoute run on Windows', async () => {
    const macCalls: string[] = [];
    const mac = new RouteChecker({
      platform: 'darwin',
      run: async (file, args) => {
        macCalls.push([file, ...args].join(' '));
        return { code: 0, stdout: `   route to: ${args.at(-1)}\n  interface: utun4\n`, stderr: '' };
      },
    });
    expect(await mac.check(['10.1.1.1', 'fd00::5'], { ...WG, iface: 'utun4' })).toEqual([
      { host: '10.1.1.1', viaTunnel: true, interface: 'utun4' },
      { host: 'fd00::5', viaTunnel: true, interface: 'utun4' },
    ]);
    expect(macCalls).toEqual(['route -n get 10.1.1.1', 'route -n get -inet6 fd00::5']);
    const calls: string[][] = [];
    const win = new RouteChecker({
      platform: 'win32',
      run: async (file, args) => {
        calls.push([file, ...args]);
        return {
          code: 0,
          stdout:
            '[{"address":"10.1.1.1","interfaceAlias":"Stadt"},{"address":"10.2.2.2","interfaceAlias":"WLAN"}]',
          stderr: '',
        };
      },
    });
    expect(await win.check(['10.1.1.1', '10.2.2.2'], { ...WG, iface: 'Stadt' })).toEqual([
      { host: '10.1.1.1', viaTunnel: true, interface: 'Stadt' },
      { host: '10.2.2.2', viaTunnel: false, interface: 'WLAN' },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.slice(0, 4)).toEqual(['powershell', '-NoProfile', '-NonInteractive', '-Command']);
  });

  it('reuses a result for its lifetime and for the same tunnel only', async () => {
    let now = 0;
    const { run, asked } = linuxRoutes({ '10.1.1.1': '10.1.1.1 dev wg0 src 10.8.0.2 uid 0\n' });
    const checker = new RouteChecker({ platform: 'linux', run, now: () => now, ttlMs: 60_000 });
    await checker.check(['10.1.1.1'], WG);
    now = 59_000;
    expect(checker.cached(['10.1.1.1'], WG)).toHaveLength(1);
    expect(checker.cached(['10.1.1.1'], { ...WG, up: false })).toBeUndefined();
    expect(checker.cached(['10.1.1.1', '10.2.2.2'], WG)).toBeUndefined();
    now = 60_000;
    expect(checker.cached(['10.1.1.1'], WG)).toBeUndefined();
    checker.invalidate();
    expect(asked).toHaveLength(1);
  });

  it('counts a policy-based IPsec route by its table or its virtual source address', () => {
    const policy: TunnelInterface = { ...WG, iface: 'wlan0', addresses: ['10.10.0.5'], policyTable: '220' };
    expect(throughTunnel({ interface: 'wlan0', table: '220' }, policy)).toBe(true);
    expect(throughTunnel({ interface: 'wlan0', src: '10.10.0.5' }, policy)).toBe(true);
    expect(throughTunnel({ interface: 'wlan0', src: '192.168.1.5' }, policy)).toBe(false);
    expect(throughTunnel({ interface: 'wg0' }, { ...WG, up: false })).toBe(false);
    expect(throughTunnel({ interface: 'wg0' }, null)).toBe(false);
  });

  it('resolves with the system resolver and gives up on names that do not resolve', async () => {
    const resolve = systemResolve(2000);
    expect(await resolve('localhost')).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(await resolve('does-not-exist.invalid')).toBeNull();
  });
});
