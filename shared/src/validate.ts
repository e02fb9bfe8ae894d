import Type from 'typebox';
import Compile from 'typebox/compile';
import type { ProbeConfig as ProbeConfigT } from './frames.js';
import { Intervals, ProbeConfig } from './frames.js';

type Checker = {
  Check(v: unknown): boolean;
  Errors(v: unknown): { instancePath: string; message: string }[];
};
const compiled = new WeakMap<object, Checker>();

/**
 * Every reason a value does not fit a protocol schema, one readable line each, prefixed with `path`
 * (e.g. `probes[2].intervalSec must be >= 5`). Empty when the value fits. For config files and REST
 * bodies that people write by hand.
 */
export function schemaProblems(schema: Type.TSchema, value: unknown, path: string): string[] {
  let checker = compiled.get(schema);
  if (!checker) {
    checker = Compile(schema) as unknown as Checker;
    compiled.set(schema, checker);
  }
  if (checker.Check(value)) return [];
  const seen = new Set<string>();
  for (const e of checker.Errors(value)) {
    const where = e.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
    seen.add(`${path}${where} ${e.message}`);
  }
  return seen.size > 0 ? [...seen] : [`${path} is not valid`];
}

/** A list of probe targets as an administrator writes it (config file, REST body). */
export const ProbeList = Type.Array(ProbeConfig, { maxItems: 256 });

/** Problems of a probe list: schema violations and probe ids used more than once. */
export function probeListProblems(value: unknown, path: string): string[] {
  const problems = schemaProblems(ProbeList, value, path);
  if (problems.length > 0) return problems;
  const ids = (value as ProbeConfigT[]).map((p) => p.id);
  const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  return twice.length > 0 ? [`${path}: probe id(s) used more than once: ${twice.join(', ')}`] : [];
}

/** Some intervals set by hand (an agent config file); the rest keep their defaults. */
export const IntervalOverrides = Type.Partial(Intervals, { additionalProperties: false });
