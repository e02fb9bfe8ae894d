import { describe, expect, it } from 'vitest';
import {
  decodeAgentFrame,
  decodeEnrollRequest,
  decodeEnrollResponse,
  decodeServerFrame,
  encodeFrame,
  errorFrame,
} from './codec.js';
import type { AgentFrame, ServerFrame } from './frames.js';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from './version.js';

const hello: AgentFrame = {
  type: 'hello',
  protocol: PROTOCOL_VERSION,
  agentVersion: '0.1.0',
  deviceId: 'dev_abc123',
  token: 'x'.repeat(43),
  capabilities: [{ name: 'securityKey', available: false, reason: 'node-hid failed to load' }],
  configVersion: 3,
};

const batch: AgentFrame = {
  type: 'batch',
  observations: [
    {
      seq: 1,
      ts: 1_764_000_000_000,
      kind: 'identity',
      hostname: 'NB-0001',
      serial: 'PF3ABC12',
      os: 'windows',
      osVersion: '11 23H2',
      agentVersion: '0.1.0',
    },
    {
      seq: 2,
      ts: 1_764_000_000_100,
      kind: 'vpn',
      change: true,
      state: 'up',
      vendor: 'WireGuard',
      interface: 'wg0',
      addresses: ['10.8.0.2'],
      since: 1_764_000_000_000,
      gatewayRttMs: 12.5,
    },
    {
      seq: 3,
      ts: 1_764_000_000_200,
      kind: 'securityKey',
      change: false,
      available: true,
      present: true,
      keys: [
        {
          vendor: 'Yubico',
          product: 'YubiKey 5 NFC',
          vendorId: 0x1050,
          productId: 0x0407,
          interfaces: ['OTP', 'FIDO', 'CCID'],
        },
      ],
    },
    {
      seq: 4,
      ts: 1_764_000_000_300,
      kind: 'probe',
      probeId: 'standesamt',
      app: 'Standesamt',
      probeKind: 'http',
      target: 'https://standesamt.example/health',
      ok: true,
      errorClass: null,
      status: 200,
      phases: { dnsMs: 3, connectMs: 10, tlsMs: 20, ttfbMs: 50, totalMs: 60 },
    },
    {
      seq: 5,
      ts: 1_764_000_000_400,
      kind: 'health',
      cpuPct: 12,
      memPct: 55,
      link: 'wifi',
      wifiSignalPct: 70,
      uptimeSec: 3600,
      batteryPct: null,
    },
    { seq: 9, ts: 1_764_000_000_500, kind: 'agent', event: 'started' },
  ],
};

const commandResult: AgentFrame = {
  type: 'commandResult',
  id: 'cmd_1',
  status: 'done',
  results: [{ kind: 'agent', event: 'resumed' }],
};

const serverFrames: ServerFrame[] = [
  {
    type: 'welcome',
    protocol: PROTOCOL_VERSION,
    serverVersion: '0.1.0',
    deviceId: 'dev_1',
    ackSeq: 0,
    heartbeatSec: 30,
  },
  { type: 'ack', seq: 42 },
  errorFrame('LB_ERR_AUTH_INVALID'),
  {
    type: 'config',
    version: 2,
    probes: [
      {
        id: 'gis',
        app: 'GIS',
        kind: 'http',
        target: 'https://gis.example/',
        intervalSec: 60,
        timeoutMs: 10_000,
      },
    ],
    intervals: { healthSec: 60, vpnSec: 5, securityKeySec: 5 },
  },
  { type: 'command', id: 'cmd_1', check: 'checkNow', expiresAt: 1_764_000_100_000 },
];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('protocol codec', () => {
  it.each([hello, batch, commandResult])('round-trips the agent frame %#', (frame) => {
    expect(decodeAgentFrame(encodeFrame(frame))).toEqual(frame);
  });

  it.each(serverFrames)('round-trips the server frame $type', (frame) => {
    expect(decodeServerFrame(encodeFrame(frame))).toEqual(frame);
  });

  it('accepts frames given as bytes', () => {
    expect(decodeAgentFrame(Buffer.from(encodeFrame(hello)))).toEqual(hello);
  });

  it('rejects text that is not JSON with LB_ERR_FRAME_MALFORMED', () => {
    expect(codeOf(() => decodeAgentFrame('{"type":"hello",'))).toBe('LB_ERR_FRAME_MALFORMED');
  });

  it('rejects frames over the size limit with LB_ERR_FRAME_TOO_LARGE before parsing them', () => {
    const big = `{"type":"batch","pad":"${'a'.repeat(MAX_FRAME_BYTES)}"}`;
    expect(codeOf(() => decodeAgentFrame(big))).toBe('LB_ERR_FRAME_TOO_LARGE');
    expect(codeOf(() => decodeAgentFrame(encodeFrame(hello), 64))).toBe('LB_ERR_FRAME_TOO_LARGE');
  });

  it('rejects a hello with another protocol version with LB_ERR_PROTOCOL_VERSION', () => {
    expect(codeOf(() => decodeAgentFrame(JSON.stringify({ ...hello, protocol: PROTOCOL_VERSION + 1 })))).toBe(
      'LB_ERR_PROTOCOL_VERSION',
    );
    expect(codeOf(() => decodeAgentFrame(JSON.stringify({ ...hello, protocol: 0 })))).toBe(
      'LB_ERR_PROTOCOL_VERSION',
    );
  });

  it.each([
    ['an unknown frame type', { type: 'shell', cmd: 'rm -rf /' }],
    ['a hello without token', { ...hello, token: undefined }],
    ['an extra field', { ...hello, admin: true }],
    ['an empty batch', { type: 'batch', observations: [] }],
    ['an unknown observation kind', { type: 'batch', observations: [{ seq: 1, ts: 1, kind: 'keystrokes' }] }],
    [
      'a negative latency',
      { type: 'batch', observations: [{ ...batch.observations[3], phases: { totalMs: -1 } }] },
    ],
    ['a seq of zero', { type: 'batch', observations: [{ ...batch.observations[5], seq: 0 }] }],
    ['an array', [hello]],
    ['null', null],
  ])('rejects %s with LB_ERR_FRAME_INVALID', (_name, value) => {
    expect(codeOf(() => decodeAgentFrame(JSON.stringify(value)))).toBe('LB_ERR_FRAME_INVALID');
  });

  it('rejects a batch whose seq numbers do not increase with LB_ERR_SEQ_INVALID', () => {
    const obs = (batch as { observations: unknown[] }).observations;
    const frame = { type: 'batch', observations: [obs[1], obs[0]] };
    expect(codeOf(() => decodeAgentFrame(JSON.stringify(frame)))).toBe('LB_ERR_SEQ_INVALID');
  });

  it('rejects a server frame the agent does not know', () => {
    expect(
      codeOf(() =>
        decodeServerFrame(JSON.stringify({ type: 'command', id: 'x', check: 'exec', expiresAt: 1 })),
      ),
    ).toBe('LB_ERR_FRAME_INVALID');
  });

  it('refuses to encode a frame over the size limit', () => {
    expect(codeOf(() => encodeFrame(hello, 10))).toBe('LB_ERR_FRAME_TOO_LARGE');
  });
});

describe('enrollment codec', () => {
  it('accepts a valid enrollment answer and rejects one without token', () => {
    expect(decodeEnrollResponse({ deviceId: 'dev_1', token: 't'.repeat(43), protocol: 1 }).deviceId).toBe(
      'dev_1',
    );
    expect(codeOf(() => decodeEnrollResponse({ deviceId: 'dev_1', protocol: 1 }))).toBe(
      'LB_ERR_ENROLL_INVALID',
    );
  });

  it('rejects an enrollment request with an empty secret', () => {
    expect(
      codeOf(() => decodeEnrollRequest({ secret: '', hardwareId: 'hw', hostname: 'NB-1', protocol: 1 })),
    ).toBe('LB_ERR_ENROLL_INVALID');
  });
});

describe('spool drop reports', () => {
  const frame = (dropped: unknown) =>
    JSON.stringify({
      type: 'batch',
      observations: [{ seq: 1, ts: 1, kind: 'agent', event: 'spool-dropped', dropped }],
    });

  it('carry how many observations of each kind were thinned', () => {
    const f = decodeAgentFrame(frame({ probe: 120, health: 30 }));
    expect(f.type === 'batch' && f.observations[0]).toMatchObject({ dropped: { probe: 120, health: 30 } });
  });

  it('never carry a negative count', () => {
    expect(codeOf(() => decodeAgentFrame(frame({ probe: -1 })))).toBe('LB_ERR_FRAME_INVALID');
  });
});
