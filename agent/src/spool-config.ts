import type { SpoolLimits } from './spool.js';

const KEYS = ['maxBytes', 'maxAgeDays'];
/** Below this the spool holds barely an hour at the default intervals. */
export const MIN_SPOOL_BYTES = 1024 * 1024;

/** Checks `spool` of the config file: `{ maxBytes?: integer ≥ 1 MiB, maxAgeDays?: number > 0 }`. */
export function checkSpoolConfig(value: unknown, source: string): SpoolLimits | undefined {
  if (value === undefined) return undefined;
  const shape = `${source}: "spool" must be an object with "maxBytes" (integer, at least ${MIN_SPOOL_BYTES}) and/or "maxAgeDays" (number above 0)`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(shape);
  const o = value as Record<string, unknown>;
  if (Object.keys(o).some((k) => !KEYS.includes(k))) throw new Error(shape);
  if (
    o.maxBytes !== undefined &&
    !(Number.isSafeInteger(o.maxBytes) && (o.maxBytes as number) >= MIN_SPOOL_BYTES)
  )
    throw new Error(shape);
  if (
    o.maxAgeDays !== undefined &&
    !(typeof o.maxAgeDays === 'number' && Number.isFinite(o.maxAgeDays) && o.maxAgeDays > 0)
  )
    throw new Error(shape);
  return o as SpoolLimits;
}
