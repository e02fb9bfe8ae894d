import { type BatchFrame, decodeAgentFrame, encodeFrame, type Observation } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { type CliIo, main } from './cli-main.js';
import type { Snapshot } from './snapshot.js';
import { AGENT_VERSION } from './version.js';

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = {
    out: async (t) => {
      out.push(t);
    },
    err: (t) => err.push(t),
    env,
    stopSignal: () => new Promise(() => {}),
  };
  return { cli, out: () => out.join(''), err: () => err.join('') };
}

describe('lagebild-agent CLI', () => {
  it('prints help and version', async () => {
    const h = io();
    expect(await main(['--help'], h.cli)).toBe(0);
    expect(h.out()).toContain('lagebild-agent run --server URL --state-dir DIR');
    const v = io();
    expect(await main(['--version'], v.cli)).toBe(0);
    expect(v.out()).toBe(`${AGENT_VERSION}\n`);
  });

  it('rejects an unknown command or flag with exit code 2 and a hint', async () => {
    const a = io();
    expect(await main(['start'], a.cli)).toBe(2);
    expect(a.err()).toMatch(/unknown command "start"[\s\S]*--help/);
    const b = io();
    expect(await main(['run', '--sever', 'x'], b.cli)).toBe(2);
    expect(b.err()).toMatch(/Unknown option '--sever'/);
  });

  it('says which setting run is missing', async () => {
    const a = io();
    expect(await main(['run', '--state-dir', '/tmp/x'], a.cli)).toBe(2);
    expect(a.err()).toContain('run needs --server URL');
    const b = io({ LAGEBILD_SERVER: 'http://127.0.0.1:1' });
    expect(await main(['run'], b.cli)).toBe(2);
    expect(b.err()).toContain('run needs --state-dir DIR');
    const c = io();
    expect(await main(['run', '--config', '/nonexistent/agent.json'], c.cli)).toBe(2);
    expect(c.err()).toContain('cannot read config file /nonexistent/agent.json');
  });

  it('snapshot --json prints one object whose observations the protocol accepts', async () => {
    const s = io();
    expect(await main(['snapshot', '--json'], s.cli)).toBe(0);
    const snap = JSON.parse(s.out()) as Snapshot;
    expect(snap.observations.map((o) => o.kind).sort()).toEqual(['health', 'identity', 'securityKey', 'vpn']);
    expect(snap.capabilities.map((c) => c.name)).toContain('securityKey');
    const key = snap.observations.find((o) => o.kind === 'securityKey');
    const cap = snap.capabilities.find((c) => c.name === 'securityKey');
    expect(key && 'available' in key && key.available).toBe(cap?.available);
    const observations = snap.observations.map(
      (o, i) => ({ ...o, seq: i + 1, ts: Date.now() }) as Observation,
    );
    const batch: BatchFrame = { type: 'batch', observations };
    expect(decodeAgentFrame(encodeFrame(batch)).type).toBe('batch');
  });

  it('snapshot without --json prints a German summary', async () => {
    const s = io();
    expect(await main(['snapshot'], s.cli)).toBe(0);
    expect(s.out()).toMatch(/^Gerät: /m);
    expect(s.out()).toMatch(/^VPN: +(getrennt|verbunden|eingeschränkt)/m);
  });
});
