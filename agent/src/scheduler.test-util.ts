import type { Capability, ObservationData } from '@lagebild/shared';
import type { CollectOptions, Collector } from './collector.js';

/** What one run of a scripted collector does. */
export type Behaviour = 'ok' | 'throw' | 'throw-sync' | 'hang' | { delayMs: number };

/**
 * A collector whose runs follow a script (the last entry repeats) and that records when each run
 * started, whether it was forced, and how many runs are in progress.
 */
export class ScriptedCollector implements Collector {
  runs: { at: number; force: boolean }[] = [];
  active = 0;
  maxActive = 0;
  private readonly script: Behaviour[];

  constructor(
    readonly name: string,
    ...script: Behaviour[]
  ) {
    this.script = script.length > 0 ? script : ['ok'];
  }

  async capability(): Promise<Capability> {
    return { name: this.name, available: true };
  }

  collect(options: CollectOptions = {}): Promise<ObservationData[]> {
    const n = this.runs.length;
    this.runs.push({ at: Date.now(), force: options.force === true });
    const step = this.script[Math.min(n, this.script.length - 1)]!;
    if (step === 'throw-sync') throw new Error(`${this.name} broke at once`);
    return this.perform(step, n + 1);
  }

  private async perform(step: Behaviour, run: number): Promise<ObservationData[]> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (step === 'hang') await new Promise(() => {});
      if (typeof step === 'object') await new Promise((r) => setTimeout(r, step.delayMs));
      if (step === 'throw') throw new Error(`${this.name} broke`);
      return [{ kind: 'agent', event: 'started', detail: `${this.name} run ${run}` }];
    } finally {
      this.active--;
    }
  }
}
