import { createServer, type Server } from 'node:net';
import type { ProbeConfig } from '@lagebild/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawInputs } from './plan.js';
import { liveInputs, Recorder, recordSnapshot } from './record.js';
import { parseRecording, replaySnapshot } from './replay.js';

describe('recording this machine and replaying it', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('gives the same identity, VPN, security-key, health and probe observations', async () => {
    const probes: ProbeConfig[] = [
      {
        id: 'local',
        app: 'Lokal',
        kind: 'tcp',
        target: `127.0.0.1:${port}`,
        intervalSec: 60,
        timeoutMs: 1000,
      },
    ];
    const { snapshot, recording } = await recordSnapshot({ probes });
    // through text, as a ServiceDesk gets the file
    const replayed = await replaySnapshot(parseRecording(JSON.stringify(recording)));
    expect(replayed).toEqual(snapshot);
    expect(snapshot.observations.map((o) => o.kind).sort()).toEqual([
      'health',
      'identity',
      'probe',
      'securityKey',
      'vpn',
    ]);
    expect(recording).toMatchObject({ format: 'lagebild-raw/1', platform: process.platform });
    expect(recording.probes?.local).toMatchObject({ ok: true, target: `127.0.0.1:${port}` });
    expect(recording.config?.probes).toEqual(probes);
  });

  it('never leaves the recording clock: every time in the snapshot is the recorded moment', async () => {
    const { snapshot, recording } = await recordSnapshot();
    const vpn = snapshot.observations.find((o) => o.kind === 'vpn');
    expect(vpn && 'since' in vpn && vpn.since).toBe(recording.clock.now);
  });
});

describe('Recorder', () => {
  /** Live inputs that count their calls and answer from fixed data. */
  function fakeLive() {
    const calls: string[] = [];
    let nics = [{ iface: 'wlan0', ip4: '192.168.1.5', operstate: 'up', type: 'wireless' }];
    const live: RawInputs = {
      ...liveInputs(),
      si: {
        ...liveInputs().si,
        networkInterfaces: async () => {
          calls.push('networkInterfaces');
          const out = nics;
          nics = [];
          return out as never;
        },
        time: () => {
          calls.push('time');
          return { uptime: 42 };
        },
        battery: () => Promise.reject(new Error('no ACPI battery')),
        usb: () => new Promise(() => {}),
      },
      loadHid: async () => ({ devicesAsync: async () => [{ vendorId: 0x1050, productId: 0x0407 }] }),
      run: async (file, args) => ({ code: 0, stdout: `${file} ${args.join(' ')} ok\n`, stderr: '' }),
      resolve: async (host) => (host === 'ewo.stadt.local' ? '10.20.1.15' : null),
      now: () => 1_733_387_400_000,
      platform: 'linux',
    };
    return { live, calls };
  }
  const snapshot = { capabilities: [], observations: [] };

  it('reads each input once and answers every later call with the recorded answer', async () => {
    const { live, calls } = fakeLive();
    const rec = new Recorder(live);
    const inputs = rec.inputs();
    const first = await inputs.si.networkInterfaces();
    expect(await inputs.si.networkInterfaces()).toEqual(first);
    expect(inputs.si.time()).toEqual({ uptime: 42 });
    expect(inputs.si.time()).toEqual({ uptime: 42 });
    expect(calls).toEqual(['networkInterfaces', 'time']);
    expect(rec.recording(snapshot).si.networkInterfaces).toEqual(first);
  });

  it('records failures as failures, and leaves out what had not answered when the snapshot was done', async () => {
    const { live } = fakeLive();
    const rec = new Recorder(live);
    const inputs = rec.inputs();
    await expect(inputs.si.battery()).rejects.toThrow('no ACPI battery');
    void inputs.si.usb();
    await Promise.resolve();
    const out = rec.recording(snapshot);
    expect(out.si.battery).toEqual({ $error: 'no ACPI battery' });
    expect('usb' in out.si).toBe(false);
  });

  it('records HID devices, commands by key, name lookups and a failed HID load', async () => {
    const { live } = fakeLive();
    const rec = new Recorder(live);
    const inputs = rec.inputs();
    await (await inputs.loadHid()).devicesAsync();
    await inputs.run('ip', ['route', 'get', '10.20.1.15']);
    await inputs.resolve?.('ewo.stadt.local');
    await inputs.resolve?.('gis.stadt.local');
    const out = rec.recording(snapshot);
    expect(out.hid).toEqual([{ vendorId: 0x1050, productId: 0x0407 }]);
    expect(out.commands).toEqual({
      'ip route get 10.20.1.15': { code: 0, stdout: 'ip route get 10.20.1.15 ok\n', stderr: '' },
    });
    expect(out.dns).toEqual({ 'ewo.stadt.local': '10.20.1.15', 'gis.stadt.local': null });

    const broken = new Recorder({ ...live, loadHid: () => Promise.reject(new Error('libusb missing')) });
    await expect(broken.inputs().loadHid()).rejects.toThrow('libusb missing');
    await Promise.resolve();
    expect(broken.recording(snapshot).hid).toEqual({ $error: 'libusb missing' });
  });
});
