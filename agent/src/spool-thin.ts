import type { Observation } from '@lagebild/shared';

/** Thinning levels of a segment: 0 as written, 1 every 2nd sample, 2 every 4th, 3 no samples. */
export const MAX_THIN_LEVEL = 3;

/**
 * The series a sample belongs to (one per probe, one per other kind), or null for an observation that
 * must never be thinned: state changes (`change: true`), identity and agent events.
 */
export function sampleSeries(o: Pick<Observation, 'kind'> & Record<string, unknown>): string | null {
  switch (o.kind) {
    case 'probe':
      return `probe:${String(o.probeId)}`;
    case 'health':
      return 'health';
    case 'vpn':
    case 'securityKey':
      return o.change === false ? o.kind : null;
    default:
      return null;
  }
}

/**
 * Which samples survive one thinning step to `level`: every 2nd of each series (levels 1 and 2),
 * none at level 3. Entries with a null series are always kept.
 */
export function survivors<T extends { series: string | null }>(entries: readonly T[], level: number): T[] {
  if (level >= MAX_THIN_LEVEL) return entries.filter((e) => e.series === null);
  const seen = new Map<string, number>();
  return entries.filter((e) => {
    if (e.series === null) return true;
    const n = seen.get(e.series) ?? 0;
    seen.set(e.series, n + 1);
    return n % 2 === 0;
  });
}
