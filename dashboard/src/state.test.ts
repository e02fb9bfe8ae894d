import { describe, expect, it } from 'vitest';
import { chartData } from './latency.js';
import { initialState, reduce, tick } from './state.js';
import { device, fleet } from './testing.js';

const NOW = Date.UTC(2024, 6, 1, 12, 30, 10);

describe('the dashboard state', () => {
  it('takes devices and counts from the snapshot and reports the connection live', () => {
    const state = reduce(
      initialState(),
      [
        {
          type: 'snapshot',
          serverTime: NOW,
          fleet: fleet({ devices: 2, online: 2 }),
          devices: [device('a'), device('b')],
        },
      ],
      NOW,
    );
    expect([...state.devices.keys()]).toEqual(['a', 'b']);
    expect(state.fleet?.online).toBe(2);
    expect(state.connection).toBe('live');
    expect(state.snapshots).toBe(1);
  });

  it('upserts a device from a device message and keeps the others untouched', () => {
    const a = device('a');
    const start = reduce(
      initialState(),
      [{ type: 'snapshot', serverTime: NOW, fleet: fleet(), devices: [a, device('b')] }],
      NOW,
    );
    const next = reduce(
      start,
      [
        { type: 'device', device: device('b', { online: false }) },
        { type: 'device', device: device('c') },
      ],
      NOW,
    );
    expect(next.devices.get('b')?.online).toBe(false);
    expect(next.devices.get('c')?.hostname).toBe('NB-c');
    expect(next.devices.get('a')).toBe(a);
    // the previous state is not changed: views compare by identity
    expect(start.devices.get('b')?.online).toBe(true);
    expect(start.devices.has('c')).toBe(false);
  });

  it('shows the fleet counts the server pushes after a device went offline', () => {
    const start = reduce(
      initialState(),
      [
        {
          type: 'snapshot',
          serverTime: NOW,
          fleet: fleet({ devices: 2, online: 2 }),
          devices: [device('a'), device('b')],
        },
      ],
      NOW,
    );
    const next = reduce(
      start,
      [
        { type: 'device', device: device('a', { online: false }) },
        { type: 'fleet', fleet: fleet({ devices: 2, online: 1 }) },
      ],
      NOW,
    );
    expect(next.fleet?.online).toBe(1);
    expect(next.fleet?.devices).toBe(2);
  });

  it('replaces everything on a new snapshot after a reconnect, dropping devices that are gone', () => {
    let state = reduce(
      initialState(),
      [
        {
          type: 'snapshot',
          serverTime: NOW,
          fleet: fleet({ devices: 2 }),
          devices: [device('a'), device('b')],
        },
      ],
      NOW,
    );
    state = reduce(state, [{ type: 'connection', status: 'reconnecting' }], NOW);
    expect(state.connection).toBe('reconnecting');
    state = reduce(
      state,
      [{ type: 'snapshot', serverTime: NOW, fleet: fleet({ devices: 1 }), devices: [device('b')] }],
      NOW,
    );
    expect([...state.devices.keys()]).toEqual(['b']);
    expect(state.fleet?.devices).toBe(1);
    expect(state.connection).toBe('live');
    expect(state.snapshots).toBe(2);
  });

  it('applies a device update that arrives in the same batch right after a snapshot', () => {
    const state = reduce(
      initialState(),
      [
        { type: 'snapshot', serverTime: NOW, fleet: fleet(), devices: [device('a')] },
        { type: 'device', device: device('a', { hostname: 'NB-RENAMED' }) },
      ],
      NOW,
    );
    expect(state.devices.get('a')?.hostname).toBe('NB-RENAMED');
  });

  it('puts probe results into the chart using the server clock', () => {
    // the browser clock is 5 minutes behind the server; results are stamped by the server's clock
    const local = NOW - 5 * 60_000;
    let state = reduce(
      initialState(),
      [{ type: 'snapshot', serverTime: NOW, fleet: fleet(), devices: [] }],
      local,
    );
    state = reduce(
      state,
      [{ type: 'probes', samples: [{ deviceId: 'a', app: 'Meldewesen', ts: NOW, ok: true, totalMs: 120 }] }],
      local,
    );
    const data = chartData(state.latency, local + state.clockOffsetMs);
    expect(data.apps).toEqual(['Meldewesen']);
    expect(data.ys[0]?.at(-1)).toBe(120);
  });

  it('lets the latency window slide forward without new data', () => {
    let state = reduce(
      initialState(),
      [{ type: 'probes', samples: [{ deviceId: 'a', app: 'GIS', ts: NOW, ok: true, totalMs: 80 }] }],
      NOW,
    );
    expect(tick(state, NOW + 30 * 60_000)).toBe(state);
    state = tick(state, NOW + 61 * 60_000);
    expect(state.latency.apps.size).toBe(0);
  });

  it('returns the same state when a batch changes nothing visible', () => {
    const state = initialState();
    expect(reduce(state, [{ type: 'connection', status: 'connecting' }], NOW)).toBe(state);
  });
});

describe('"check now" results in the state', () => {
  const result = (deviceId: string, status: 'running' | 'done') => ({
    type: 'commandResult' as const,
    deviceId,
    commandId: `cmd-${deviceId}`,
    status,
    results: [],
    at: NOW,
  });

  it('keeps results of the watched device only and forgets them when another device is opened', () => {
    let state = reduce(initialState(), [{ type: 'watch', deviceId: 'a' }], NOW);
    expect(state.watching).toBe('a');
    state = reduce(state, [result('a', 'running'), result('b', 'running'), result('a', 'done')], NOW);
    expect([...state.checks.values()].map((r) => [r.deviceId, r.status])).toEqual([['a', 'done']]);
    // another device page: the first device's runs are no longer kept
    state = reduce(state, [{ type: 'watch', deviceId: 'b' }], NOW);
    expect(state.checks.size).toBe(0);
  });

  it('records a requested check at once, before any result arrived', () => {
    const state = reduce(
      initialState(),
      [
        { type: 'watch', deviceId: 'a' },
        {
          type: 'checkRequested',
          deviceId: 'a',
          commandId: 'cmd-1',
          delivered: false,
          expiresAt: NOW + 60_000,
        },
      ],
      NOW,
    );
    expect(state.checks.get('cmd-1')).toMatchObject({ status: 'queued', expiresAt: NOW + 60_000 });
  });
});
