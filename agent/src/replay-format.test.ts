import { describe, expect, it } from 'vitest';
import { parseRecording, ReplayFormatError } from './replay-format.js';

const minimal = { format: 'lagebild-raw/1', platform: 'linux', clock: { now: 1_733_387_400_000 }, si: {} };
const problem = (doc: unknown): string => {
  try {
    parseRecording(JSON.stringify(doc), 'nb.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ReplayFormatError);
    return (e as Error).message;
  }
  throw new Error('the recording was accepted');
};

describe('lagebild-raw/1 loader', () => {
  it('accepts the smallest recording: format, platform, clock and an empty si', () => {
    expect(parseRecording(JSON.stringify(minimal))).toEqual(minimal);
  });

  it('says when the file is no JSON or no object', () => {
    expect(() => parseRecording('{"format": "lagebild-raw/1",', 'nb.json')).toThrow(
      /^nb\.json: not valid JSON/,
    );
    expect(problem([minimal])).toBe('nb.json: must be a JSON object, not an array');
  });

  it('refuses another format or version before looking further', () => {
    expect(problem({ ...minimal, format: 'lagebild-raw/2' })).toBe(
      'nb.json: format must be "lagebild-raw/1", not "lagebild-raw/2"',
    );
    expect(problem({ platform: 'linux' })).toBe('nb.json: format must be "lagebild-raw/1", not missing');
  });

  it.each([
    [{ platform: 'freebsd' }, 'platform must be one of linux, win32, darwin, not "freebsd"'],
    [{ clock: { now: '2024-12-05' } }, 'clock.now must be the time of the snapshot in milliseconds'],
    [{ clock: undefined }, 'clock must be an object, not undefined'],
    [{ si: [] }, 'si must be an object, not an array'],
    [{ si: { memory: {} } }, 'si.memory is not a SystemInfo method (known: system, bios, osInfo'],
    [{ si: { mem: { total: 1 } } }, 'si.mem.active must be a number'],
    [{ si: { networkInterfaces: {} } }, 'si.networkInterfaces must be an array, not object'],
    [
      { si: { networkInterfaces: [{ ifaceName: 'eth0' }] } },
      'si.networkInterfaces[0].iface must be a string',
    ],
    [
      { si: { battery: { $error: 42 } } },
      'si.battery must be {"$error": "<message>"} when it records a failure',
    ],
    [{ hid: [{ vendorId: '0x1050', productId: 1031 }] }, 'hid[0].vendorId must be an integer 0..65535'],
    [{ hid: 'none' }, 'hid must be an array of node-hid devices, not string'],
    [
      { commands: { 'ip route get 10.0.0.1': { code: '0', stdout: '' } } },
      'code must be an integer exit code',
    ],
    [{ commands: { 'wg show': { code: 0 } } }, 'commands["wg show"].stdout must be a string'],
    [{ dns: { 'ewo.stadt.local': 'ewo' } }, 'dns["ewo.stadt.local"] must be an IP address or null'],
    [
      { connects: { intranet: { ok: true, totalMs: 3 } } },
      'connects["intranet"]: the key must be "host:port"',
    ],
    [{ probes: { ewo: { kind: 'probe' } } }, 'probes.ewo must have required properties'],
    [{ config: { enrollSecret: 'geheim' } }, 'config may hold only probes and vpn, not enrollSecret'],
    [{ config: { vpn: { checkTarget: 'intranet' } } }, 'config: vpn.checkTarget must be "host:port"'],
    [{ extra: 1 }, 'unknown field(s) extra; allowed: format, description'],
  ])('names the field that is wrong: %j', (change, message) => {
    expect(problem({ ...minimal, ...change })).toContain(message);
  });

  it('lists every problem of a file at once', () => {
    const text = problem({ ...minimal, platform: 'beos', si: { mem: {} }, hid: [{}] });
    expect(text.split('; ').map((p) => p.replace(/^nb\.json: /, '').split(' must')[0])).toEqual([
      'platform',
      'si.mem.total',
      'si.mem.active',
      'hid[0].vendorId',
      'hid[0].productId',
    ]);
  });

  it('checks that a probe result is filed under its own id', () => {
    const result = {
      kind: 'probe',
      probeId: 'gis',
      app: 'GIS',
      probeKind: 'tcp',
      target: 'gis:5432',
      ok: true,
      errorClass: null,
      phases: { totalMs: 3 },
    };
    expect(problem({ ...minimal, probes: { ewo: result } })).toContain(
      'probes.ewo.probeId must be "ewo", the key it is filed under',
    );
  });

  it('takes recorded failures and SystemInfo calls with arguments', () => {
    const doc = {
      ...minimal,
      si: { battery: { $error: 'no battery driver' }, 'networkInterfaces("default")': [] },
      hid: { $error: 'libusb missing' },
    };
    expect(parseRecording(JSON.stringify(doc)).hid).toEqual({ $error: 'libusb missing' });
  });
});
