import {
  Intervals,
  type Intervals as IntervalsT,
  type ProbeConfig as ProbeConfigT,
  ProbeList,
  probeListProblems,
  schemaProblems,
} from '@lagebild/shared';
import Type from 'typebox';

/** Body of PUT /api/v1/config/probes. */
export const ProbeConfigBody = Type.Object(
  {
    probes: ProbeList,
    intervals: Type.Optional(Intervals),
  },
  { additionalProperties: false },
);

export interface ProbeConfigBody {
  probes: ProbeConfigT[];
  intervals?: IntervalsT;
}

/** A probe config that cannot be used; the message names the offending field. */
export class ProbeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeConfigError';
  }
}

function check(problems: string[]): void {
  if (problems.length > 0) throw new ProbeConfigError(problems.join('; '));
}

/** Validates a PUT body strictly against the shared schema (no coercion, no unknown fields). */
export function decodeProbeConfigBody(value: unknown): ProbeConfigBody {
  check(schemaProblems(ProbeConfigBody, value, 'body'));
  const b = value as ProbeConfigBody;
  check(probeListProblems(b.probes, 'body.probes'));
  return b;
}

/** Validates a JSON array of probe targets (the CLI's --probes file). */
export function decodeProbeList(value: unknown): ProbeConfigT[] {
  check(probeListProblems(value, 'probes'));
  return value as ProbeConfigT[];
}
