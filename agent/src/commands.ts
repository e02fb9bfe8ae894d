import type { CheckName, CommandFrame, CommandResultFrame, ObservationData } from '@lagebild/shared';
import { messageOf } from './collector.js';
import type { Logger } from './log.js';

/** Which collectors a predefined check runs. Nothing else can be asked of the agent. */
export function collectorsFor(check: CheckName, names: readonly string[]): string[] {
  const probes = names.filter((n) => n.startsWith('probe:'));
  switch (check) {
    case 'checkNow':
      return names.filter((n) => n !== 'identity');
    case 'probes':
      return probes;
    default:
      return names.filter((n) => n === check);
  }
}

export interface CommandDeps {
  names: () => readonly string[];
  runNow: (names: readonly string[]) => Promise<ObservationData[]>;
  reply: (result: CommandResultFrame) => boolean;
  log: Logger;
}

/** Runs a check the server asked for: answers `running`, then `done` with the fresh results (or `failed`). */
export async function runCommand(cmd: CommandFrame, deps: CommandDeps): Promise<void> {
  const names = collectorsFor(cmd.check, deps.names());
  deps.log.info(`command ${cmd.id}: ${cmd.check} (${names.join(', ') || 'nothing to run'})`);
  deps.reply({ type: 'commandResult', id: cmd.id, status: 'running', results: [] });
  try {
    const results = await deps.runNow(names);
    deps.reply({ type: 'commandResult', id: cmd.id, status: 'done', results: results.slice(0, 256) });
  } catch (e) {
    const message = messageOf(e).slice(0, 1024);
    deps.reply({ type: 'commandResult', id: cmd.id, status: 'failed', results: [], message });
  }
}
