import {
  Intervals,
  type Intervals as IntervalsT,
  ProbeConfig,
  type ProbeConfig as ProbeConfigT,
} from '@lagebild/shared';
import Type from 'typebox';
import Compile from 'typebox/compile';

/** Body of PUT /api/v1/config/probes. */
export const ProbeConfigBody = Type.Object(
  {
    probes: Type.Array(ProbeConfig, { maxItems: 256 }),
    intervals: Type.Optional(Intervals),
  },
  { additionalProperties: false },
);

export interface ProbeConfigBody {
  probes: ProbeConfigT[];
  intervals?: IntervalsT;
}

const ProbeList = Type.Array(ProbeConfig, { maxItems: 256 });

const body = Compile(ProbeConfigBody);
const list = Compile(ProbeList);

type Checker = {
  Check(v: unknown): boolean;
  Errors(v: unknown): { instancePath: string; message: string }[];
};

/** A probe config that cannot be used; the message names the offending field. */
export class ProbeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeConfigError';
  }
}

function check(checker: Checker, value: unknown, what: string): void {
  if (checker.Check(value)) return;
  const [e] = checker.Errors(value);
  throw new ProbeConfigError(e ? `${what}${e.instancePath || ''} ${e.message}` : `${what} is not valid`);
}

function uniqueIds(probes: ProbeConfigT[], what: string): void {
  const seen = new Set<string>();
  probes.forEach((p, i) => {
    if (seen.has(p.id))
      throw new ProbeConfigError(`${what}/${i}/id "${p.id}" is used by more than one probe`);
    seen.add(p.id);
  });
}

/** Validates a PUT body strictly against the shared schema (no coercion, no unknown fields). */
export function decodeProbeConfigBody(value: unknown): ProbeConfigBody {
  check(body, value, 'body');
  const b = value as ProbeConfigBody;
  uniqueIds(b.probes, 'body/probes');
  return b;
}

/** Validates a JSON array of probe targets (the CLI's --probes file). */
export function decodeProbeList(value: unknown): ProbeConfigT[] {
  check(list, value, 'probes');
  const probes = value as ProbeConfigT[];
  uniqueIds(probes, 'probes');
  return probes;
}
