import { describe, expect, it } from 'vitest';
import { DEFAULT_INTERVALS, localConfigFrame, parseLocalConfig } from './config.js';

const probe = {
  id: 'ewo',
  app: 'Einwohnerwesen',
  kind: 'http',
  target: 'https://ewo.stadt.local/',
  intervalSec: 30,
  timeoutMs: 5000,
};

describe('local config file', () => {
  it('accepts server, secret, state dir, probes, VPN check and intervals', () => {
    const text = JSON.stringify({
      server: 'https://lagebild.stadt.de',
      enrollSecret: 's3cret',
      stateDir: '/var/lib/lagebild-agent',
      probes: [probe],
      vpn: { checkTarget: 'gw.stadt.local:443' },
      intervals: { vpnSec: 5 },
    });
    const config = parseLocalConfig(text);
    expect(localConfigFrame(config)).toEqual({
      type: 'config',
      version: 0,
      probes: [probe],
      intervals: { ...DEFAULT_INTERVALS, vpnSec: 5 },
    });
  });

  it('names the file and the problem', () => {
    expect(() => parseLocalConfig('{', 'agent.json')).toThrow(/agent\.json: not valid JSON/);
    expect(() => parseLocalConfig('{"sever": "x"}', 'agent.json')).toThrow(/unknown field\(s\) sever/);
    expect(() => parseLocalConfig(JSON.stringify({ probes: [{ ...probe, intervalSec: 1 }] }))).toThrow(
      /probes\[0\]\.intervalSec must be >= 5/,
    );
    expect(() => parseLocalConfig(JSON.stringify({ probes: [probe, probe] }))).toThrow(
      /used more than once: ewo/,
    );
    expect(() => parseLocalConfig(JSON.stringify({ intervals: { vpnSec: 0 } }))).toThrow(/intervals\.vpnSec/);
    expect(() => parseLocalConfig(JSON.stringify({ vpn: { checkTarget: 'gw' } }))).toThrow(/host:port/);
    expect(() => parseLocalConfig(JSON.stringify({ site: '' }))).toThrow(/"site" must be a non-empty string/);
    expect(() => parseLocalConfig(JSON.stringify({ orgUnit: 'x'.repeat(129) }))).toThrow(/"orgUnit"/);
  });

  it('takes the site and org unit the notebook belongs to', () => {
    const config = parseLocalConfig(JSON.stringify({ site: 'Rathaus Mitte', orgUnit: 'Amt 33' }));
    expect(config).toMatchObject({ site: 'Rathaus Mitte', orgUnit: 'Amt 33' });
  });
});
