import type { CommandResultFrame } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import { collectorsFor, runCommand } from './commands.js';
import { silentLogger } from './log.js';

const NAMES = ['identity', 'vpn', 'securityKey', 'health', 'probe:ewo', 'probe:bau'];

describe('commands', () => {
  it('maps each predefined check to its collectors', () => {
    expect(collectorsFor('checkNow', NAMES)).toEqual([
      'vpn',
      'securityKey',
      'health',
      'probe:ewo',
      'probe:bau',
    ]);
    expect(collectorsFor('probes', NAMES)).toEqual(['probe:ewo', 'probe:bau']);
    expect(collectorsFor('vpn', NAMES)).toEqual(['vpn']);
    expect(collectorsFor('securityKey', NAMES)).toEqual(['securityKey']);
  });

  it('answers running, then done with the results', async () => {
    const replies: CommandResultFrame[] = [];
    await runCommand(
      { type: 'command', id: 'c1', check: 'vpn', expiresAt: Date.now() + 10_000 },
      {
        names: () => NAMES,
        runNow: async (names) => names.map(() => ({ kind: 'agent', event: 'started' }) as const),
        reply: (r) => replies.push(r) > 0,
        log: silentLogger,
      },
    );
    expect(replies.map((r) => [r.status, r.results.length])).toEqual([
      ['running', 0],
      ['done', 1],
    ]);
  });

  it('answers failed with the reason when the check breaks', async () => {
    const replies: CommandResultFrame[] = [];
    await runCommand(
      { type: 'command', id: 'c2', check: 'health', expiresAt: Date.now() + 10_000 },
      {
        names: () => NAMES,
        runNow: async () => {
          throw new Error('kaputt');
        },
        reply: (r) => replies.push(r) > 0,
        log: silentLogger,
      },
    );
    expect(replies.at(-1)).toEqual({
      type: 'commandResult',
      id: 'c2',
      status: 'failed',
      results: [],
      message: 'kaputt',
    });
  });
});
