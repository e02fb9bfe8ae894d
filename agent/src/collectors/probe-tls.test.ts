import { describe, expect, it } from 'vitest';
import { parseLocalConfig } from '../config.js';
import { certErrorClass } from './probe-tls.js';

describe('certificate problems', () => {
  it('calls an expired certificate expired, also when it is untrusted as well', () => {
    expect(certErrorClass('CERT_HAS_EXPIRED')).toBe('cert-expired');
    expect(certErrorClass('DEPTH_ZERO_SELF_SIGNED_CERT', Date.UTC(2020, 0, 1))).toBe('cert-expired');
  });

  it('calls every other rejection invalid', () => {
    const future = Date.now() + 86_400_000;
    for (const code of [
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'CERT_NOT_YET_VALID',
    ])
      expect(certErrorClass(code, future)).toBe('cert-invalid');
  });
});

describe('tls in the agent config file', () => {
  it('takes the path of a CA file for HTTPS probes', () => {
    expect(parseLocalConfig('{"tls":{"caFile":"/etc/lagebild/stadt-ca.pem"}}').tls).toEqual({
      caFile: '/etc/lagebild/stadt-ca.pem',
    });
  });

  it('refuses anything else under tls', () => {
    expect(() => parseLocalConfig('{"tls":{"insecure":true}}')).toThrow(/"tls" must be an object/);
    expect(() => parseLocalConfig('{"tls":{"caFile":""}}')).toThrow(/"tls" must be an object/);
    expect(() => parseLocalConfig('{"tls":"stadt-ca.pem"}')).toThrow(/"tls" must be an object/);
  });
});
