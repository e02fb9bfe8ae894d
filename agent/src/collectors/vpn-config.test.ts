import { describe, expect, it } from 'vitest';
import { parseLocalConfig } from '../config.js';

describe('the vpn section of the config file', () => {
  it('takes the check address, the gateway and the interface and client the name cannot tell', () => {
    const vpn = {
      checkTarget: 'intranet.stadt.example:443',
      checkTimeoutMs: 2000,
      gateway: 'vpn.stadt.example',
      interface: 'tun0',
      vendor: 'Ivanti Secure Access',
    };
    expect(parseLocalConfig(JSON.stringify({ vpn })).vpn).toEqual(vpn);
  });

  it('names the field that is wrong', () => {
    expect(() => parseLocalConfig('{"vpn":{"checkTarget":"intranet"}}', 'a.json')).toThrow(
      'a.json: vpn.checkTarget must be "host:port"',
    );
    expect(() => parseLocalConfig('{"vpn":{"gateway":""}}', 'a.json')).toThrow(
      /vpn\.gateway must be a non-empty/,
    );
    expect(() => parseLocalConfig('{"vpn":{"interfce":"tun0"}}', 'a.json')).toThrow(
      /unknown vpn field\(s\) interfce; allowed: checkTarget, checkTimeoutMs, gateway, interface, vendor/,
    );
  });
});
