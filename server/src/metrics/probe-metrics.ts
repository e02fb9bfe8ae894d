import type { LiveProbeSample } from '@lagebild/shared';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { IngestResult } from '../store/store.js';
import { groupLabel, LabelLimit } from './labels.js';

/** Fachverfahren response times from 5 ms (LAN) to 30 s (the probes' own timeout range). */
export const PROBE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Label `group_kind` and the store's group field it reads. */
const GROUP_KINDS = [
  ['gateway', 'gateway'],
  ['site', 'site'],
  ['org_unit', 'orgUnit'],
] as const;

type GroupKind = (typeof GROUP_KINDS)[number][0];
type ProbeLabel = 'app' | 'group_kind' | 'group';

export interface ProbeLimits {
  /** distinct `app` values */
  apps: number;
  /** distinct `group` values per group kind */
  groups: number;
}

export const DEFAULT_PROBE_LIMITS: ProbeLimits = { apps: 200, groups: 2000 };

/**
 * Fachverfahren latency and errors per app and group, counted as batches are stored on this node (nodes
 * behind one load balancer each count their own agents; Prometheus sums them). Every sample counts once
 * per group kind, so any one kind adds up to the whole fleet. No device appears in any label.
 */
export class ProbeMetrics {
  private readonly duration: Histogram<ProbeLabel>;
  private readonly runs: Counter<ProbeLabel>;
  private readonly errors: Counter<ProbeLabel | 'error_class'>;
  private readonly apps: LabelLimit;
  private readonly groups: Record<GroupKind, LabelLimit>;

  constructor(
    registry: Registry,
    limits: ProbeLimits = DEFAULT_PROBE_LIMITS,
    onOverflow: (label: string, value: string) => void = () => {},
  ) {
    const registers = [registry];
    const labelNames: ProbeLabel[] = ['app', 'group_kind', 'group'];
    this.duration = new Histogram({
      name: 'lagebild_probe_duration_seconds',
      help: 'Fachverfahren response time of answered probe runs, once per group kind (gateway, site, org_unit).',
      labelNames,
      buckets: PROBE_BUCKETS,
      registers,
    });
    this.runs = new Counter({
      name: 'lagebild_probe_runs_total',
      help: 'Fachverfahren probe runs stored on this node, answered or failed, once per group kind.',
      labelNames,
      registers,
    });
    this.errors = new Counter({
      name: 'lagebild_probe_errors_total',
      help: 'Failed Fachverfahren probe runs stored on this node by error class, once per group kind.',
      labelNames: [...labelNames, 'error_class'],
      registers,
    });
    this.apps = new LabelLimit(limits.apps, (v) => onOverflow('app', v));
    const group = (kind: GroupKind) => new LabelLimit(limits.groups, (v) => onOverflow(`group (${kind})`, v));
    this.groups = { gateway: group('gateway'), site: group('site'), org_unit: group('org_unit') };
  }

  /** Counts the probe samples of one stored batch under the device's groups after that batch. */
  observe(samples: readonly LiveProbeSample[], groups: IngestResult['groups']): void {
    if (samples.length === 0) return;
    const kinds = GROUP_KINDS.map(([kind, field]) => ({
      group_kind: kind,
      group: this.groups[kind].value(groupLabel(groups[field])),
    }));
    // runs and errors are summed per batch first: one label lookup per app instead of per sample
    const runs = new Map<string, number>();
    const errors = new Map<string, Map<string, number>>();
    for (const s of samples) {
      const app = this.apps.value(s.app);
      runs.set(app, (runs.get(app) ?? 0) + 1);
      if (s.ok) {
        for (const k of kinds) this.duration.observe({ app, ...k }, s.totalMs / 1000);
      } else {
        const byClass = errors.get(app) ?? new Map<string, number>();
        const errorClass = s.errorClass ?? 'unknown';
        byClass.set(errorClass, (byClass.get(errorClass) ?? 0) + 1);
        errors.set(app, byClass);
      }
    }
    for (const k of kinds) {
      for (const [app, n] of runs) this.runs.inc({ app, ...k }, n);
      for (const [app, byClass] of errors)
        for (const [error_class, n] of byClass) this.errors.inc({ app, ...k, error_class }, n);
    }
  }
}
