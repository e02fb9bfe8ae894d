import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigFrame } from '@lagebild/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentState } from './state.js';

describe('agent state', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores credentials readable only by the agent user', () => {
    const state = AgentState.open(join(dir, 'nested'));
    expect(state.credentials()).toBeNull();
    state.saveCredentials({ serverUrl: 'http://127.0.0.1:8080', deviceId: 'dev-1', token: 't'.repeat(43) });
    expect(AgentState.open(join(dir, 'nested')).credentials()).toEqual({
      serverUrl: 'http://127.0.0.1:8080',
      deviceId: 'dev-1',
      token: 't'.repeat(43),
    });
    expect(statSync(join(dir, 'nested', 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('never hands out a sequence number twice, across restarts', () => {
    const state = AgentState.open(dir);
    expect(state.takeSeq(3)).toBe(1);
    expect(state.takeSeq(1)).toBe(4);
    const restarted = AgentState.open(dir);
    expect(restarted.takeSeq(1)).toBe(5);
    restarted.raiseSeq(3);
    expect(restarted.nextSeq()).toBe(6);
    restarted.raiseSeq(100);
    expect(AgentState.open(dir).nextSeq()).toBe(100);
  });

  it('starts at 1 when seq.json is damaged', () => {
    writeFileSync(join(dir, 'seq.json'), '{"next": "x"');
    expect(AgentState.open(dir).nextSeq()).toBe(1);
  });

  it('keeps the last config frame for offline restarts and ignores an invalid one', () => {
    const state = AgentState.open(dir);
    const frame: ConfigFrame = {
      type: 'config',
      version: 7,
      probes: [
        {
          id: 'ewo',
          app: 'Einwohnerwesen',
          kind: 'http',
          target: 'https://ewo.stadt.local/',
          intervalSec: 30,
          timeoutMs: 5000,
        },
      ],
      intervals: { healthSec: 60, vpnSec: 2, securityKeySec: 2 },
    };
    state.saveConfig(frame);
    expect(AgentState.open(dir).config()).toEqual(frame);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...frame, intervals: {} }));
    expect(AgentState.open(dir).config()).toBeNull();
  });
});
