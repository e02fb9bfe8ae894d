import { describe, expect, it } from 'vitest';
import {
  findNetRouteScript,
  parseDarwinRouteGet,
  parseFindNetRoute,
  parseIpRouteGet,
} from './route-parse.js';

describe('reading where a route leaves the notebook', () => {
  it('reads Linux `ip route get` for a tunnel, a gateway route, a policy table and no route', () => {
    expect(parseIpRouteGet('10.77.0.1 dev wg0 src 10.77.0.2 uid 0 \n    cache \n')).toEqual({
      interface: 'wg0',
      src: '10.77.0.2',
    });
    expect(
      parseIpRouteGet(
        '198.51.100.20 via 192.168.178.1 dev wlp0s20f3 src 192.168.178.31 uid 0 \n    cache \n',
      ),
    ).toEqual({ interface: 'wlp0s20f3', src: '192.168.178.31' });
    expect(
      parseIpRouteGet(
        '10.20.1.15 via 192.168.178.1 dev wlp0s20f3 table 220 src 10.10.0.5 uid 0 \n    cache \n',
      ),
    ).toEqual({ interface: 'wlp0s20f3', table: '220', src: '10.10.0.5' });
    expect(
      parseIpRouteGet('fd00::1 from :: dev wg0 proto kernel src fd00::2 metric 256 pref medium\n'),
    ).toEqual({
      interface: 'wg0',
      src: 'fd00::2',
    });
    expect(parseIpRouteGet('unreachable 10.9.9.9 table 220 uid 0\n')).toBeNull();
    expect(parseIpRouteGet('')).toBeNull();
  });

  it('reads the interface line of macOS `route -n get`', () => {
    const out = `   route to: 10.20.1.15
destination: 10.20.0.0
       mask: 255.255.0.0
  interface: utun4
      flags: <UP,DONE,STATIC,PRCLONING>
 recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire
       0         0         0         0         0         0      1420         0 
`;
    expect(parseDarwinRouteGet(out)).toEqual({ interface: 'utun4' });
    expect(parseDarwinRouteGet('route: writing to routing socket: not in table\n')).toBeNull();
  });

  it('asks Windows for all addresses in one PowerShell run and reads its JSON', () => {
    const script = findNetRouteScript(['10.20.1.15', 'fd00::1']);
    expect(script).toContain("@('10.20.1.15','fd00::1')");
    expect(script).toContain('Find-NetRoute -RemoteIPAddress $a');
    // no double quotes: Windows argument quoting would mangle them
    expect(script).not.toContain('"');
    const out =
      '[{"address":"10.20.1.15","interfaceAlias":"Ethernet 5"},{"address":"fd00::1","interfaceAlias":null}]';
    expect([...parseFindNetRoute(out)]).toEqual([['10.20.1.15', { interface: 'Ethernet 5' }]]);
    expect([...parseFindNetRoute('{"address":"10.1.1.1","interfaceAlias":"WLAN"}')]).toEqual([
      ['10.1.1.1', { interface: 'WLAN' }],
    ]);
    expect(parseFindNetRoute('')).toEqual(new Map());
  });
});
